import {
  averagePrecisionAtK,
  compareRanked,
  createRng,
  hitRateAtK,
  InteractionMatrixBuilder,
  ndcgAtK,
  precisionAtK,
  recallAtK,
  type InteractionMatrix,
} from '@recsys/algorithms';
import { evaluate } from './evaluate';
import { PopularityRecommender } from './recommenders/popularity';
import { RandomRecommender } from './recommenders/random';
import { type Recommender } from './recommenders/recommender';
import { randomHoldoutSplit } from './splits/random-holdout';
import { type Split } from './splits/split';

/** A recommender with a fixed score table: row = user. A real (if tiny) model, so protocols can be checked by hand. */
class TableRecommender implements Recommender {
  readonly name = 'table';
  readonly params = {};
  constructor(private readonly table: number[][]) {}
  fit(): void {}
  scoreAll(user: number, out: Float32Array): void {
    out.set(this.table[user]);
  }
}

/** Train and test built in one declared id space: users u0..u4, items 0..5. */
function handSplit(): Split {
  const trainRows = [[0], [1, 2], [3], [0, 1], []];
  const testRows = [[2, 4], [5], [], [1], [3]];
  const build = (rows: number[][]): InteractionMatrix => {
    const b = new InteractionMatrixBuilder();
    for (let u = 0; u < 5; u++) b.addUser(`u${u}`);
    for (let i = 0; i < 6; i++) b.addItem(`i${i}`);
    rows.forEach((items, u) => items.forEach((i) => b.addIndexed(u, i, 1, 0)));
    return b.build();
  };
  return { name: 'hand', description: 'a hand-made split', train: build(trainRows), test: build(testRows) };
}

// u0: candidates 1(.8) 2(.7) 3(.7) 5(.5) 4(.1) → ranking [1, 2, 3, 5, 4]; relevant {2, 4}.
// u1: candidates 5(.6) 3(.4) 4(.3) 0(.2); relevant {5}.
// u2: no test item → skipped. u3: its test item is in its train row → no relevant item → skipped.
// u4: cold (no train), all scores tie → ranking [0, 1, 2, 3, 4, 5]; relevant {3}.
const SCORES = [
  [0.9, 0.8, 0.7, 0.7, 0.1, 0.5],
  [0.2, 0.9, 0.9, 0.4, 0.3, 0.6],
  [0, 0, 0, 0, 0, 0],
  [0, 0, 0, 0, 0, 0],
  [0.5, 0.5, 0.5, 0.5, 0.5, 0.5],
];
const D2 = 1 / Math.log2(3); // discount of position 2

describe('evaluate, full ranking, on a hand-made split', () => {
  const report = evaluate(new TableRecommender(SCORES), handSplit(), { protocol: 'full', ks: [3, 2, 3], seed: 1, dataset: 'hand' });
  const m = report.metrics;

  it('counts evaluated and skipped users and normalises K', () => {
    expect(report.users).toEqual({ evaluated: 3, skipped: 2 });
    expect(report.ks).toEqual([2, 3]);
    expect(report.data).toEqual({ users: 5, items: 6, trainInteractions: 6, testInteractions: 5 });
  });

  it('averages the per-user top-K metrics over evaluated users', () => {
    // Per user @2: u0 top [1,2] one hit; u1 top [5,3] one hit; u4 top [0,1] none.
    expect(m['hitrate@2']).toBeCloseTo(2 / 3, 12);
    expect(m['precision@2']).toBeCloseTo((0.5 + 0.5 + 0) / 3, 12);
    expect(m['recall@2']).toBeCloseTo((0.5 + 1 + 0) / 3, 12);
    expect(m['ndcg@2']).toBeCloseTo((D2 / (1 + D2) + 1 + 0) / 3, 12);
    expect(m['map@2']).toBeCloseTo((0.5 / 2 + 1 + 0) / 3, 12);
    // @3: u0 top [1,2,3] (3 after 2: tie broken by index), u1 [5,3,4], u4 [0,1,2].
    expect(m['hitrate@3']).toBeCloseTo(2 / 3, 12);
    expect(m['precision@3']).toBeCloseTo(2 / 9, 12);
    expect(m['recall@3']).toBeCloseTo(0.5, 12);
    expect(m['ndcg@3']).toBeCloseTo((D2 / (1 + D2) + 1) / 3, 12);
    expect(m['map@3']).toBeCloseTo(1.25 / 3, 12);
  });

  it('computes MRR over the full ranking and per-user AUC with ties', () => {
    // First relevant ranks: u0 2, u1 1, u4 4 (items 0, 1, 2 tie with 3 and have lower indexes).
    expect(m.mrr).toBeCloseTo((1 / 2 + 1 + 1 / 4) / 3, 12);
    // u0: 2 vs {1, 3, 5} → 0 + .5 + 1, 4 loses all → 1.5/6; u1: 1; u4: all ties → .5.
    expect(m.auc).toBeCloseTo((0.25 + 1 + 0.5) / 3, 7);
    // Pooled: positives .7 .1 .6 .5 against 11 negatives [.8 .7 .5 .2 .4 .3 .5 .5 .5 .5 .5] → 24.5 / 44.
    expect(m.auc_global).toBeCloseTo(24.5 / 44, 7);
    expect(report.notes).toEqual([]);
  });

  it('computes coverage, novelty and Gini of the top-K exposure', () => {
    // Exposure @2 [1, 2, 1, 1, 0, 1]; @3 [1, 2, 2, 2, 1, 1].
    expect(m['coverage@2']).toBeCloseTo(5 / 6, 12);
    expect(m['coverage@3']).toBe(1);
    expect(m['gini@2']).toBeCloseTo(10 / 36, 12);
    // Training counts [2, 2, 1, 1, 0, 0] of 6: items 0, 1 are log2 3 bits; 2, 3 and unseen 5 are log2 6 bits.
    expect(m['novelty@2']).toBeCloseTo((3 * Math.log2(3) + 3 * Math.log2(6)) / 6, 12);
  });

  it('is JSON-serialisable without loss', () => {
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
    for (const v of Object.values(m)) expect(Number.isFinite(v)).toBe(true);
  });
});

describe('evaluate, sampled, on a hand-made split', () => {
  // 100 negatives exceed every user's eligible items, so each positive meets all of them: exact values.
  const report = evaluate(new TableRecommender(SCORES), handSplit(), { protocol: 'sampled', ks: [2, 3], negatives: 100, seed: 1 });
  const m = report.metrics;

  it('ranks each positive among the items in neither train nor test', () => {
    // u0: positive 2 meets {1, 3, 5} → rank 2; positive 4 → rank 4. u1: 5 → rank 1. u4: 3 among {0,1,2,4,5} ties → rank 4.
    expect(report.users).toEqual({ evaluated: 3, skipped: 2 });
    expect(report.protocol).toEqual({ name: 'sampled', description: expect.stringContaining('100 random items'), negatives: 100 });
    expect(m['hitrate@2']).toBeCloseTo((0.5 + 1 + 0) / 3, 12);
    expect(m['hitrate@3']).toBeCloseTo((0.5 + 1 + 0) / 3, 12);
    expect(m['ndcg@2']).toBeCloseTo((D2 / 2 + 1 + 0) / 3, 12);
    expect(m.mrr).toBeCloseTo(((1 / 2 + 1 / 4) / 2 + 1 + 1 / 4) / 3, 12);
    expect(m.auc).toBeCloseTo((1.5 / 6 + 1 + 0.5) / 3, 7);
    // Pooled: positives .7 .1 .6 .5; negatives .8 .7 .5 (twice, once per u0 positive), .2 .4 .3, .5 × 5 → 27.5 / 56.
    expect(m.auc_global).toBeCloseTo(27.5 / 56, 7);
    expect(Object.keys(m).sort()).toEqual(['auc', 'auc_global', 'hitrate@2', 'hitrate@3', 'mrr', 'ndcg@2', 'ndcg@3']);
  });
});

/** A seeded random matrix: 80 users, 300 items, popularity skewed towards low item indexes. */
function randomMatrix(): InteractionMatrix {
  const rng = createRng(11);
  const b = new InteractionMatrixBuilder();
  for (let u = 0; u < 80; u++) {
    const n = 5 + rng.int(30);
    for (let j = 0; j < n; j++) b.add(`u${u}`, `i${Math.floor(300 * rng.next() ** 2)}`, 1, j);
  }
  return b.build();
}

describe('evaluate on a random split', () => {
  const split = randomHoldoutSplit(randomMatrix(), { testFraction: 0.25, seed: 3 });

  it('gives the same per-K metrics as a full sort of every user (partial selection and exclusion are exact)', () => {
    const pop = new PopularityRecommender();
    pop.fit(split.train);
    const report = evaluate(pop, split, { protocol: 'full', ks: [5, 10], seed: 1 });
    const { train, test } = split;
    const scores = new Float32Array(train.nItems);
    const sums: Record<string, number> = {};
    let users = 0;
    for (let u = 0; u < train.nUsers; u++) {
      const trainRow = new Set(train.indices.subarray(train.indptr[u], train.indptr[u + 1]));
      const relevant = Array.from(test.indices.subarray(test.indptr[u], test.indptr[u + 1])).filter((i) => !trainRow.has(i));
      if (relevant.length === 0) continue;
      users++;
      pop.scoreAll(u, scores);
      const ranked = Array.from({ length: train.nItems }, (_, i) => i)
        .filter((i) => !trainRow.has(i))
        .sort((a, b) => compareRanked(scores[a], a, scores[b], b));
      for (const k of [5, 10]) {
        const add = (key: string, v: number) => (sums[`${key}@${k}`] = (sums[`${key}@${k}`] ?? 0) + v);
        add('hitrate', hitRateAtK(ranked, relevant, k));
        add('precision', precisionAtK(ranked, relevant, k));
        add('recall', recallAtK(ranked, relevant, k));
        add('ndcg', ndcgAtK(ranked, relevant, k));
        add('map', averagePrecisionAtK(ranked, relevant, k));
      }
    }
    expect(report.users.evaluated).toBe(users);
    for (const [key, sum] of Object.entries(sums)) expect(report.metrics[key]).toBeCloseTo(sum / users, 12);
  });

  it('puts popularity above random, and is deterministic in the seed under the sampled protocol', () => {
    const pop = new PopularityRecommender();
    pop.fit(split.train);
    const random = new RandomRecommender(5);
    random.fit(split.train);
    const opts = { protocol: 'sampled' as const, ks: [10], negatives: 20, seed: 9 };
    const a = evaluate(pop, split, opts);
    const b = evaluate(pop, split, opts);
    expect(b.metrics).toEqual(a.metrics);
    expect(evaluate(pop, split, { ...opts, seed: 10 }).metrics).not.toEqual(a.metrics);
    expect(a.metrics['ndcg@10']).toBeGreaterThan(evaluate(random, split, opts).metrics['ndcg@10']);
    expect(a.metrics.auc).toBeGreaterThan(0.6);
  });

  it('estimates auc_global on a seeded sample of negatives when they exceed the bound, and says so', () => {
    const pop = new PopularityRecommender();
    pop.fit(split.train);
    const exact = evaluate(pop, split, { protocol: 'full', ks: [10], seed: 1 });
    const sampled = evaluate(pop, split, { protocol: 'full', ks: [10], seed: 1, maxPooledNegatives: 5000 });
    expect(sampled.notes[0]).toMatch(/auc_global estimated on a seeded 2\d\.\d% sample/);
    expect(Math.abs(sampled.metrics.auc_global - exact.metrics.auc_global)).toBeLessThan(0.01);
    expect(sampled.metrics.auc_global).not.toBe(exact.metrics.auc_global);
    expect(sampled.metrics['ndcg@10']).toBe(exact.metrics['ndcg@10']);
  });

  it('evaluates a seeded sample of users when asked, and reports progress', () => {
    const pop = new PopularityRecommender();
    pop.fit(split.train);
    const calls: number[] = [];
    const report = evaluate(pop, split, { protocol: 'full', ks: [10], seed: 1, maxUsers: 30, onProgress: (done, total) => calls.push(done / total) });
    expect(report.users.evaluated).toBe(30);
    expect(report.users.sampledFrom).toBe(80);
    expect(calls[calls.length - 1]).toBe(1);
  });

  it('refuses a split with nothing to evaluate, bad K and an unknown protocol', () => {
    const empty: Split = { ...split, test: { ...split.test, indptr: new Int32Array(split.test.nUsers + 1), indices: new Int32Array(0) } };
    const pop = new PopularityRecommender();
    pop.fit(split.train);
    expect(() => evaluate(pop, empty, { protocol: 'full', ks: [10], seed: 1 })).toThrow(/nothing to evaluate/);
    expect(() => evaluate(pop, split, { protocol: 'full', ks: [0], seed: 1 })).toThrow(RangeError);
    expect(() => evaluate(pop, split, { protocol: 'other' as 'full', ks: [10], seed: 1 })).toThrow(/unknown protocol/);
  });
});
