import { createRng, InteractionMatrixBuilder, topK, type InteractionMatrix } from '@recsys/algorithms';
import { type Recommender } from '../recommenders/recommender';
import { type Split } from '../splits/split';
import { evaluate } from '../evaluate';
import { PopularityRecommender } from '../recommenders/popularity';
import { createRecommender, parseModelSpec } from '../recommenders/registry';
import { randomHoldoutSplit } from '../splits/random-holdout';
import { AlsRecommender } from './als';

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

describe('AlsRecommender', () => {
  it('is registered as als and takes its parameters from a command-line spec', () => {
    const { name, params } = parseModelSpec('als:factors=8,iterations=4,regularization=0.5,alpha=3,cgSteps=2,values=raw');
    const model = createRecommender(name, { ...params, seed: 5 });
    expect(model).toBeInstanceOf(AlsRecommender);
    expect(model.params).toEqual({ factors: 8, iterations: 4, regularization: 0.5, alpha: 3, cgSteps: 2, values: 'raw', seed: 5 });
    expect(() => createRecommender('als', { factor: '8' })).toThrow(/no parameter "factor"/);
    expect(() => createRecommender('als', { values: 'log' })).toThrow(/raw or binary/);
    expect(() => createRecommender('als', { factors: '0' })).toThrow(RangeError);
  });

  it('refuses to score before fit', () => {
    expect(() => new AlsRecommender().scoreAll(0, new Float32Array(1))).toThrow(/before fit/);
  });

  it('finds each user\'s block where popularity cannot, and is deterministic', () => {
    const split = randomHoldoutSplit(twoBlocks(3), { testFraction: 0.2, seed: 1 });
    const opts = { protocol: 'full' as const, ks: [5], seed: 1 };
    const als = new AlsRecommender({ factors: 4, regularization: 5, alpha: 5, iterations: 10, seed: 2 });
    als.fit(split.train);
    const pop = new PopularityRecommender();
    pop.fit(split.train);
    const a = evaluate(als, split, opts).metrics;
    const p = evaluate(pop, split, opts).metrics;
    expect(topFiveInBlock(als, split)).toBe(true);
    expect(topFiveInBlock(pop, split)).toBe(false);
    expect(a['ndcg@5']).toBeGreaterThan(p['ndcg@5']);
    const again = new AlsRecommender({ factors: 4, regularization: 5, alpha: 5, iterations: 10, seed: 2 });
    again.fit(split.train);
    const s1 = new Float32Array(30);
    const s2 = new Float32Array(30);
    als.scoreAll(7, s1);
    again.scoreAll(7, s2);
    expect(Array.from(s2)).toEqual(Array.from(s1));
  });
});
