import fc from 'fast-check';
import { InteractionMatrixBuilder, type InteractionMatrix } from '../matrix/interaction-matrix';
import { compareRanked } from '../metrics/top-k';
import { createRng } from '../random/rng';
import { sparseSimilarity, SIMILARITY_KINDS, type SimilarityKind } from '../similarity/sparse-similarity';
import { buildItemNeighbors, buildUserNeighbors, neighborsOf, type NeighborOptions, type NeighborTable } from './neighbors';
import { csrOf, transposeCsr, type CsrRows } from '../mf/csr';
import { TopCandidates } from './top-candidates';

/** Users × items from a list of rows of (item, value). */
function matrixOf(rows: Array<Array<[number, number]>>, nItems: number): InteractionMatrix {
  const b = new InteractionMatrixBuilder();
  for (let i = 0; i < nItems; i++) b.addItem(`i${i}`);
  rows.forEach((row, u) => {
    b.addUser(`u${u}`);
    for (const [i, v] of row) b.add(`u${u}`, `i${i}`, v);
  });
  return b.build();
}

// Binary: u0 {0,1}, u1 {0,1,2}, u2 {1,2}, u3 {3}. Item vectors over users: 0 {u0,u1}, 1 {u0,u1,u2}, 2 {u1,u2}, 3 {u3}.
const binary = matrixOf([[[0, 1], [1, 1]], [[0, 1], [1, 1], [2, 1]], [[1, 1], [2, 1]], [[3, 1]]], 4);
const c2 = 2 / Math.sqrt(6);

const list = (t: NeighborTable, r: number) => Array.from(neighborsOf(t, r).indices);
const sims = (t: NeighborTable, r: number) => Array.from(neighborsOf(t, r).scores);

describe('buildItemNeighbors', () => {
  it('finds the cosine neighbours of a hand matrix, ties by lower index, -1 padded', () => {
    const t = buildItemNeighbors(binary, { similarity: 'cosine', k: 2 });
    expect(t.size).toBe(4);
    // cos(0,1) = cos(1,2) = 2/√6, cos(0,2) = 1/2; item 3 shares no user.
    expect(list(t, 0)).toEqual([1, 2]);
    expect(sims(t, 0)).toEqual([Math.fround(c2), 0.5]);
    expect(list(t, 1)).toEqual([0, 2]);
    expect(list(t, 2)).toEqual([1, 0]);
    expect(Array.from(t.indices.subarray(6, 8))).toEqual([-1, -1]);
    expect(Array.from(t.scores.subarray(6, 8))).toEqual([0, 0]);
    expect(list(buildItemNeighbors(binary, { similarity: 'cosine', k: 1 }), 1)).toEqual([0]);
  });

  it('computes Jaccard with shrinkage and minCommon', () => {
    const t = buildItemNeighbors(binary, { similarity: 'jaccard', k: 3 });
    expect(sims(t, 0)).toEqual([Math.fround(2 / 3), Math.fround(1 / 3)]);
    // λ = 1: 2/3 · 2/3 for the pairs with 2 common users, 1/3 · 1/2 for (0, 2).
    const shrunk = buildItemNeighbors(binary, { similarity: 'jaccard', k: 3, shrinkage: 1 });
    expect(sims(shrunk, 0)).toEqual([Math.fround(4 / 9), Math.fround(1 / 6)]);
    const strict = buildItemNeighbors(binary, { similarity: 'jaccard', k: 3, minCommon: 2 });
    expect(list(strict, 0)).toEqual([1]);
    expect(list(strict, 2)).toEqual([1]);
  });

  it('weights users by inverse frequency log(nItems / |row|)', () => {
    const t = buildItemNeighbors(binary, { similarity: 'cosine', k: 2, iuf: true });
    const [w0, w1, w2] = [Math.log(4 / 2), Math.log(4 / 3), Math.log(4 / 2)];
    // item 0 = (w0, w1, ·), item 1 = (w0, w1, w2): cos = √((w0² + w1²) / (w0² + w1² + w2²)).
    expect(neighborsOf(t, 0).scores[0]).toBeCloseTo(Math.sqrt((w0 ** 2 + w1 ** 2) / (w0 ** 2 + w1 ** 2 + w2 ** 2)), 6);
    // item 0 = (w0, w1, ·) and item 2 = (·, w1, w2): w1² / (w0² + w1²).
    expect(neighborsOf(t, 0).scores[1]).toBeCloseTo(w1 ** 2 / (w0 ** 2 + w1 ** 2), 6);
  });

  it('keeps only positive Pearson correlations, over co-rated users, centred on each item mean', () => {
    // Items over users: 0 = (4, 2, 3) mean 3; 1 = (2, 4, ·) mean 3; 2 = (·, 5, 1) mean 3.
    // r(0,1) = −1, r(0,2) = −2/√8, r(1,2) = 1 (one common user).
    const ratings = matrixOf([[[0, 4], [1, 2]], [[0, 2], [1, 4], [2, 5]], [[0, 3], [2, 1]]], 3);
    const t = buildItemNeighbors(ratings, { similarity: 'pearson', k: 2 });
    expect(list(t, 0)).toEqual([]);
    expect(list(t, 1)).toEqual([2]);
    expect(sims(t, 1)).toEqual([1]);
    expect(sims(buildItemNeighbors(ratings, { similarity: 'pearson', k: 2, shrinkage: 1 }), 2)).toEqual([0.5]);
    expect(list(buildItemNeighbors(ratings, { similarity: 'pearson', k: 2, minCommon: 2 }), 1)).toEqual([]);
  });

  it('rejects bad options', () => {
    expect(() => buildItemNeighbors(binary, { similarity: 'cosine', k: 0 })).toThrow(RangeError);
    expect(() => buildItemNeighbors(binary, { similarity: 'dice' as SimilarityKind, k: 2 })).toThrow(/unknown similarity/);
    expect(() => buildItemNeighbors(binary, { similarity: 'cosine', k: 2, shrinkage: -1 })).toThrow(RangeError);
    expect(() => buildItemNeighbors(binary, { similarity: 'cosine', k: 2, minCommon: 0 })).toThrow(RangeError);
  });
});

describe('buildUserNeighbors', () => {
  it('finds the Jaccard neighbours of users', () => {
    const t = buildUserNeighbors(binary, { similarity: 'jaccard', k: 2 });
    // u0 {0,1}, u1 {0,1,2}, u2 {1,2}: J(u0,u1) = J(u1,u2) = 2/3, J(u0,u2) = 1/3.
    expect(list(t, 0)).toEqual([1, 2]);
    expect(sims(t, 0)).toEqual([Math.fround(2 / 3), Math.fround(1 / 3)]);
    expect(list(t, 1)).toEqual([0, 2]);
    expect(list(t, 3)).toEqual([]);
  });
});

/** The table by brute force: every pair through the pairwise similarity, sorted by the ranking order. */
function bruteForce(rows: CsrRows, opts: NeighborOptions): NeighborTable {
  const n = rows.nRows;
  const vec = (r: number) => ({
    indices: rows.indices.subarray(rows.indptr[r], rows.indptr[r + 1]),
    values: rows.values.subarray(rows.indptr[r], rows.indptr[r + 1]),
  });
  let iuf: Float64Array | undefined;
  if (opts.iuf) {
    const counts = new Float64Array(rows.nCols);
    for (const c of rows.indices) counts[c]++;
    iuf = Float64Array.from(counts, (c) => (c > 0 ? Math.log(n / c) : 0));
  }
  const indices = new Int32Array(n * opts.k).fill(-1);
  const scores = new Float32Array(n * opts.k);
  for (let r = 0; r < n; r++) {
    const cand: Array<[number, number]> = [];
    for (let s = 0; s < n; s++) {
      if (s === r) continue;
      const a = vec(r);
      const b = vec(s);
      const common = a.indices.filter((c) => b.indices.includes(c)).length;
      if (common < (opts.minCommon ?? 1)) continue;
      const sim = sparseSimilarity(opts.similarity, a, b, { shrinkage: opts.shrinkage, iuf });
      if (sim > 0) cand.push([s, sim]);
    }
    cand.sort((x, y) => compareRanked(x[1], x[0], y[1], y[0]));
    cand.slice(0, opts.k).forEach(([s, sim], p) => {
      indices[r * opts.k + p] = s;
      scores[r * opts.k + p] = sim;
    });
  }
  return { size: n, k: opts.k, indices, scores };
}

describe('neighbour tables equal a brute-force dense computation', () => {
  it('on random small matrices, for every similarity and option', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 31 }),
        fc.constantFrom(...SIMILARITY_KINDS),
        fc.integer({ min: 1, max: 8 }),
        fc.constantFrom(0, 2.5),
        fc.boolean(),
        fc.constantFrom(1, 2),
        (seed, similarity, k, shrinkage, iuf, minCommon) => {
          const rng = createRng(seed);
          const nUsers = 4 + rng.int(20);
          const nItems = 3 + rng.int(15);
          const density = 0.1 + 0.4 * rng.next();
          const rows: Array<Array<[number, number]>> = [];
          for (let u = 0; u < nUsers; u++) {
            const row: Array<[number, number]> = [];
            for (let i = 0; i < nItems; i++) if (rng.next() < density) row.push([i, 1 + rng.int(5)]);
            rows.push(row);
          }
          const m = matrixOf(rows, nItems);
          const opts: NeighborOptions = { similarity, k, shrinkage, iuf, minCommon };
          const items = buildItemNeighbors(m, opts);
          const expectedItems = bruteForce(transposeCsr(csrOf(m)), opts);
          expect(Array.from(items.indices)).toEqual(Array.from(expectedItems.indices));
          expect(Array.from(items.scores)).toEqual(Array.from(expectedItems.scores));
          const users = buildUserNeighbors(m, opts);
          const expectedUsers = bruteForce(csrOf(m), opts);
          expect(Array.from(users.indices)).toEqual(Array.from(expectedUsers.indices));
          expect(Array.from(users.scores)).toEqual(Array.from(expectedUsers.scores));
        },
      ),
      { numRuns: 150, seed: 20240611 },
    );
  });
});

describe('TopCandidates', () => {
  it('keeps the k best in any arrival order, ties by lower id', () => {
    const sel = new TopCandidates(3);
    for (const [id, s] of [[5, 0.2], [1, 0.9], [7, 0.5], [2, 0.5], [0, 0.1], [3, 0.5]] as const) sel.push(id, s);
    const ids = new Int32Array(3);
    const scores = new Float64Array(3);
    expect(sel.drain(ids, scores)).toBe(3);
    expect(Array.from(ids)).toEqual([1, 2, 3]);
    expect(Array.from(scores)).toEqual([0.9, 0.5, 0.5]);
    expect(sel.length).toBe(0);
  });
});
