import { createRng, InteractionMatrixBuilder, type InteractionMatrix } from '@recsys/algorithms';
import { alignSplit } from './align';
import { leaveLastOutSplit } from './leave-last-out';
import { randomHoldoutSplit } from './random-holdout';
import { sameIdSpace, type Split } from './split';
import { timeCutSplit } from './time-cut';

/** A seeded random matrix: 60 users with 0..40 interactions each over 200 items, distinct timestamps. */
function randomMatrix(seed: number): InteractionMatrix {
  const rng = createRng(seed);
  const b = new InteractionMatrixBuilder();
  let t = 1_000_000;
  for (let u = 0; u < 60; u++) {
    b.addUser(`u${u}`);
    const n = u < 3 ? u : rng.int(41); // users 0, 1, 2 have 0, 1, 2 interactions
    for (let j = 0; j < n; j++) b.add(`u${u}`, `i${rng.int(200)}`, 1 + rng.int(5), (t += 1 + rng.int(1000)));
  }
  return b.build();
}

/** (user, item, value, time) of every entry. */
function entries(m: InteractionMatrix): string[] {
  const out: string[] = [];
  for (let u = 0; u < m.nUsers; u++) {
    for (let e = m.indptr[u]; e < m.indptr[u + 1]; e++) out.push(`${m.userIds[u]}|${m.itemIds[m.indices[e]]}|${m.values[e]}|${m.timestamps[e]}`);
  }
  return out;
}

function rowLength(m: InteractionMatrix, u: number): number {
  return m.indptr[u + 1] - m.indptr[u];
}

/** Train and test are a partition of the source's entries in the source's id space. */
function expectPartition(source: InteractionMatrix, split: Split): void {
  expect(sameIdSpace(split.train, source)).toBe(true);
  expect(sameIdSpace(split.test, source)).toBe(true);
  expect(split.train.userIds).toBe(source.userIds);
  expect(split.test.itemIndex).toBe(source.itemIndex);
  const train = entries(split.train);
  const test = entries(split.test);
  expect(new Set([...train, ...test]).size).toBe(train.length + test.length);
  expect([...train, ...test].sort()).toEqual(entries(source).sort());
}

describe('randomHoldoutSplit', () => {
  const source = randomMatrix(1);
  const split = randomHoldoutSplit(source, { testFraction: 0.2, seed: 42 });

  it('partitions the entries and keeps the id space', () => {
    expectPartition(source, split);
    expect(split.name).toBe('random-holdout');
    expect(split.description).toContain('20%');
    expect(split.description).toContain('seed 42');
  });

  it('holds out round(0.2 n) of each user with n ≥ 2, clamped to [1, n − 1]; users with < 2 stay all-train', () => {
    for (let u = 0; u < source.nUsers; u++) {
      const n = rowLength(source, u);
      const expected = n < 2 ? 0 : Math.min(n - 1, Math.max(1, Math.round(0.2 * n)));
      expect(rowLength(split.test, u)).toBe(expected);
      expect(rowLength(split.train, u)).toBe(n - expected);
    }
    expect(rowLength(split.test, 1)).toBe(0); // one interaction
    expect(rowLength(split.test, 2)).toBe(1); // two interactions: 1 test, 1 train
  });

  it('is deterministic in the seed and changes with it', () => {
    const again = randomHoldoutSplit(source, { testFraction: 0.2, seed: 42 });
    expect(entries(again.test)).toEqual(entries(split.test));
    const other = randomHoldoutSplit(source, { testFraction: 0.2, seed: 43 });
    expect(entries(other.test)).not.toEqual(entries(split.test));
  });

  it('picks test items roughly uniformly (each position about equally often over many seeds)', () => {
    // One user with 10 items, 3 held out: over 2,000 seeds each item is in test ≈ 600 times.
    const b = new InteractionMatrixBuilder();
    for (let i = 0; i < 10; i++) b.add('u', `i${i}`, 1, i);
    const m = b.build();
    const hits = new Array(10).fill(0);
    for (let seed = 0; seed < 2000; seed++) for (const i of randomHoldoutSplit(m, { testFraction: 0.3, seed }).test.indices) hits[i]++;
    for (const h of hits) expect(Math.abs(h - 600)).toBeLessThan(90);
  });

  it('rejects fractions outside (0, 1)', () => {
    expect(() => randomHoldoutSplit(source, { testFraction: 0, seed: 1 })).toThrow(RangeError);
    expect(() => randomHoldoutSplit(source, { testFraction: 1, seed: 1 })).toThrow(RangeError);
  });
});

describe('leaveLastOutSplit', () => {
  it("puts each user's latest interaction in test", () => {
    const source = randomMatrix(2);
    const split = leaveLastOutSplit(source);
    expectPartition(source, split);
    for (let u = 0; u < source.nUsers; u++) {
      const n = rowLength(source, u);
      expect(rowLength(split.test, u)).toBe(n >= 2 ? 1 : 0);
      if (n < 2) continue;
      const latest = Math.max(...source.timestamps.subarray(source.indptr[u], source.indptr[u + 1]));
      expect(split.test.timestamps[split.test.indptr[u]]).toBe(latest);
    }
  });

  it('breaks equal timestamps by the higher item index and leaves the last n with count', () => {
    const b = new InteractionMatrixBuilder();
    b.add('u', 'a', 1, 100); // item 0
    b.add('u', 'b', 1, 300); // item 1
    b.add('u', 'c', 1, 300); // item 2: ties with b, higher index → test
    b.add('u', 'd', 1, 200); // item 3
    const m = b.build();
    expect(Array.from(leaveLastOutSplit(m).test.indices)).toEqual([2]);
    expect(Array.from(leaveLastOutSplit(m, { count: 2 }).test.indices)).toEqual([1, 2]);
    expect(Array.from(leaveLastOutSplit(m, { count: 3 }).test.indices)).toEqual([1, 2, 3]);
    expect(Array.from(leaveLastOutSplit(m, { count: 4 }).test.indices)).toEqual([]); // only 4 interactions: all train
  });
});

describe('timeCutSplit', () => {
  // Timestamps 10, 20, ..., 100 over two users.
  const b = new InteractionMatrixBuilder();
  for (let j = 0; j < 10; j++) b.add(j % 2 === 0 ? 'a' : 'b', `i${j}`, 1, 10 * (j + 1));
  const m = b.build();

  it('cuts at a global time quantile: earlier to train, at or after to test', () => {
    const split = timeCutSplit(m, { quantile: 0.8 });
    expectPartition(m, split);
    // Sorted times: position floor(0.8 × 10) = 8 is 90 → 90 and 100 to test.
    expect(Array.from(split.test.timestamps).sort((x, y) => x - y)).toEqual([90, 100]);
    expect(split.description).toContain('1970-01-01T00:00:00.090Z');
  });

  it('cuts at an absolute instant', () => {
    const split = timeCutSplit(m, { cutMs: 55 });
    expect(Array.from(split.train.timestamps).sort((x, y) => x - y)).toEqual([10, 20, 30, 40, 50]);
    expect(split.test.indptr[split.test.nUsers]).toBe(5);
    expect(() => timeCutSplit(m, { quantile: 1 })).toThrow(RangeError);
  });
});

describe('alignSplit', () => {
  it('puts two matrices into one id space: train ids first, test-only ids after', () => {
    const tb = new InteractionMatrixBuilder();
    tb.add('u1', 'x', 1, 1);
    tb.add('u2', 'y', 2, 2);
    const sb = new InteractionMatrixBuilder();
    sb.add('u3', 'z', 5, 9); // a test-only user and item
    sb.add('u2', 'x', 4, 8);
    const split = alignSplit(tb.build(), sb.build(), 'files', 'given');
    expect(sameIdSpace(split.train, split.test)).toBe(true);
    expect(split.train.userIds).toEqual(['u1', 'u2', 'u3']);
    expect(split.train.itemIds).toEqual(['x', 'y', 'z']);
    expect(entries(split.train)).toEqual(['u1|x|1|1', 'u2|y|2|2']);
    expect(entries(split.test)).toEqual(['u2|x|4|8', 'u3|z|5|9']);
  });
});
