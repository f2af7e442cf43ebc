import { createRng, InteractionMatrixBuilder, topK, type InteractionMatrix } from '@recsys/algorithms';
import { type Recommender } from '../recommenders/recommender';
import { type Split } from '../splits/split';
import { evaluate } from '../evaluate';
import { PopularityRecommender } from '../recommenders/popularity';
import { createRecommender } from '../recommenders/registry';
import { randomHoldoutSplit } from '../splits/random-holdout';
import { PureSvdRecommender } from './puresvd';

/** Whether every user's top 5 (training items excluded) lies inside the user's own block. */
function topFiveInBlock(model: Recommender, split: Split): boolean {
  const out = new Float32Array(split.train.nItems);
  for (let u = 0; u < split.train.nUsers; u++) {
    model.scoreAll(u, out);
    const own = Number(split.train.userIds[u].slice(1)) < 20 ? [0, 15] : [15, 30];
    const train = split.train.indices.subarray(split.train.indptr[u], split.train.indptr[u + 1]);
    for (const i of topK(out, 5, train)) if (i < own[0] || i >= own[1]) return false;
  }
  return true;
}

/**
 * Two taste blocks: 20 users of items 0–14 and 40 users of items 15–29, each using about 60% of their block's
 * items (rating 1–5). Block-B items are the globally popular ones, so popularity misranks every block-A user.
 */
function twoBlocks(seed: number): InteractionMatrix {
  const rng = createRng(seed);
  const b = new InteractionMatrixBuilder();
  for (let i = 0; i < 30; i++) b.addItem(`i${i}`);
  for (let u = 0; u < 60; u++) {
    const base = u < 20 ? 0 : 15;
    for (let i = base; i < base + 15; i++) if (rng.next() < 0.6) b.add(`u${u}`, `i${i}`, 1 + rng.int(5));
  }
  return b.build();
}

describe('PureSvdRecommender', () => {
  it('is registered as puresvd with its parameters', () => {
    const model = createRecommender('puresvd', { factors: '3', powerIterations: '2', oversample: '5', values: 'raw', seed: 1 });
    expect(model).toBeInstanceOf(PureSvdRecommender);
    expect(model.params).toEqual({ factors: 3, values: 'raw', powerIterations: 2, oversample: 5, seed: 1 });
  });

  it('finds each user\'s block where popularity cannot', () => {
    const split = randomHoldoutSplit(twoBlocks(4), { testFraction: 0.2, seed: 1 });
    const opts = { protocol: 'full' as const, ks: [5], seed: 1 };
    const svd = new PureSvdRecommender({ factors: 2, seed: 1 });
    svd.fit(split.train);
    const pop = new PopularityRecommender();
    pop.fit(split.train);
    const s = evaluate(svd, split, opts).metrics;
    const p = evaluate(pop, split, opts).metrics;
    expect(topFiveInBlock(svd, split)).toBe(true);
    expect(s['ndcg@5']).toBeGreaterThan(p['ndcg@5']);
  });
});
