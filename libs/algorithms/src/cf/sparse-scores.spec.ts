import fc from 'fast-check';
import { InteractionMatrixBuilder } from '../matrix/interaction-matrix';
import { buildItemNeighbors, buildUserNeighbors } from './neighbors';
import { accumulateItemCF, accumulateUserCF, scoreItemCF, scoreUserCF } from './scoring';
import { SparseScores } from './sparse-scores';

function drained(acc: SparseScores, n: number, accept?: (j: number) => boolean): [number, number][] {
  const ids = new Int32Array(Math.max(n, 1));
  const scores = new Float32Array(Math.max(n, 1));
  const taken = acc.drainTop(n, accept, ids, scores);
  return Array.from(ids.subarray(0, taken), (j, r) => [j, scores[r]]);
}

describe('SparseScores', () => {
  it('keeps the n best positive accepted entries, ties by lower index, and resets what was written', () => {
    const acc = new SparseScores(8);
    acc.add(5, 3);
    acc.add(1, 2);
    acc.add(3, 2);
    acc.add(2, 0.5);
    acc.add(4, -1);
    acc.add(6, 1);
    acc.add(6, -1); // back to 0: not listed
    expect(acc.touched).toBe(6);
    expect(drained(acc, 3)).toEqual([[5, 3], [1, 2], [3, 2]]);
    expect(acc.touched).toBe(0);
    expect(Array.from(acc.values)).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    acc.add(7, 1);
    acc.add(0, 4);
    expect(drained(acc, 10, (j) => j !== 0)).toEqual([[7, 1]]);
    acc.add(2, 1);
    expect(drained(acc, 0)).toEqual([]);
    expect(acc.values[2]).toBe(0);
  });

  it('gives the dense item-CF and user-CF scores, touching only the voted entries', () => {
    const edges = fc.array(fc.tuple(fc.integer({ min: 0, max: 11 }), fc.integer({ min: 0, max: 14 })), { minLength: 1, maxLength: 60 });
    fc.assert(
      fc.property(edges, fc.array(fc.integer({ min: 0, max: 14 }), { maxLength: 5 }), fc.integer({ min: 0, max: 11 }), (pairs, history, user) => {
        const b = new InteractionMatrixBuilder();
        for (let i = 0; i < 15; i++) b.addItem(`i${i}`);
        for (let u = 0; u < 12; u++) b.addUser(`u${u}`);
        for (const [u, i] of pairs) b.add(`u${u}`, `i${i}`, 1 + (u % 3));
        const m = b.build();
        const items = buildItemNeighbors(m, { similarity: 'cosine', k: 3 });
        const users = buildUserNeighbors(m, { similarity: 'cosine', k: 3 });
        const acc = new SparseScores(m.nItems);
        const dense = new Float32Array(m.nItems);
        const weights = Float32Array.from(history, (_, r) => 1 / (r + 1));
        scoreItemCF(items, Int32Array.from(history), weights, dense);
        accumulateItemCF(items, Int32Array.from(history), weights, acc);
        expect(Array.from(acc.values)).toEqual(Array.from(dense));
        expect(acc.touched).toBe(dense.filter((s) => s !== 0).length);
        acc.clear();
        scoreUserCF(users, m, user, dense, { weighting: 'value' });
        accumulateUserCF(users, m, user, acc, 'value');
        expect(Array.from(acc.values)).toEqual(Array.from(dense));
        acc.clear();
        expect(acc.values.every((s) => s === 0)).toBe(true);
      }),
    );
  });
});
