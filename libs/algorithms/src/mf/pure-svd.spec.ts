import { InteractionMatrixBuilder } from '../matrix/interaction-matrix';
import { createRng } from '../random/rng';
import { type CsrRows } from './csr';
import { jacobiEigen } from './linalg';
import { pureSvdScores, randomizedSvd, trainPureSvd, type PureSvdModel } from './pure-svd';

/** CSR of a dense row-major matrix (zeros not stored). */
function csr(dense: number[][]): CsrRows {
  const indptr = [0];
  const indices: number[] = [];
  const values: number[] = [];
  for (const row of dense) {
    row.forEach((v, j) => {
      if (v !== 0) {
        indices.push(j);
        values.push(v);
      }
    });
    indptr.push(indices.length);
  }
  return { nRows: dense.length, nCols: dense[0].length, indptr: Int32Array.from(indptr), indices: Int32Array.from(indices), values: Float32Array.from(values) };
}

describe('randomizedSvd', () => {
  // A = 5·u1 v1ᵀ + 2·u2 v2ᵀ with orthonormal u1 = (1,1,1,1)/2, u2 = (1,−1,1,−1)/2, v1 = (1,1,0,0,0,0)/√2 and
  // v2 = (0,0,1,1,1,1)/2: singular values exactly 5 and 2, rank 2.
  const u1 = [0.5, 0.5, 0.5, 0.5];
  const u2 = [0.5, -0.5, 0.5, -0.5];
  const v1 = [Math.SQRT1_2, Math.SQRT1_2, 0, 0, 0, 0];
  const v2 = [0, 0, 0.5, 0.5, 0.5, 0.5];
  const dense = u1.map((_, r) => v1.map((_, c) => 5 * u1[r] * v1[c] + 2 * u2[r] * v2[c]));

  it('recovers the singular values and reconstructs a rank-2 matrix', () => {
    const svd = randomizedSvd(csr(dense), 3, { oversample: 1, seed: 1 });
    expect(svd.singularValues[0]).toBeCloseTo(5, 5);
    expect(svd.singularValues[1]).toBeCloseTo(2, 5);
    // Rank 2: the third singular value and its vectors are zero.
    expect(svd.singularValues[2]).toBe(0);
    for (let r = 0; r < 4; r++) {
      for (let c = 0; c < 6; c++) {
        let s = 0;
        for (let j = 0; j < 3; j++) s += svd.u[r * 3 + j] * svd.singularValues[j] * svd.v[c * 3 + j];
        expect(s).toBeCloseTo(dense[r][c], 5);
      }
    }
    // v1 up to sign.
    expect(Math.abs(svd.v[0 * 3])).toBeCloseTo(Math.SQRT1_2, 5);
    expect(Math.abs(svd.v[2 * 3])).toBeCloseTo(0, 5);
  });

  it('matches the singular values from a Jacobi eigen-decomposition of AᵀA on a random sparse matrix', () => {
    const rng = createRng(5);
    const a = Array.from({ length: 15 }, () => Array.from({ length: 9 }, () => (rng.next() < 0.4 ? 1 + rng.int(5) : 0)));
    const ata = new Float64Array(81);
    for (const row of a) for (let i = 0; i < 9; i++) for (let j = 0; j < 9; j++) ata[i * 9 + j] += row[i] * row[j];
    const reference = Array.from(jacobiEigen(ata, 9).values, (l) => Math.sqrt(Math.max(l, 0)));
    const svd = randomizedSvd(csr(a), 5, { oversample: 2, powerIterations: 6, seed: 3 });
    for (let j = 0; j < 5; j++) expect(Math.abs(svd.singularValues[j] - reference[j])).toBeLessThan(1e-3);
  });

  it('is deterministic given the seed and rejects a rank beyond min(rows, cols)', () => {
    const a = csr(dense);
    expect(Array.from(randomizedSvd(a, 2, { seed: 4 }).v)).toEqual(Array.from(randomizedSvd(a, 2, { seed: 4 }).v));
    expect(() => randomizedSvd(a, 5)).toThrow(RangeError);
  });
});

describe('PureSVD', () => {
  it('scores r_u V Vᵀ (hand-built V)', () => {
    // V = [[1, 0], [0, 1], [0.5, 0.5]]: a history of item 0 scores (1, 0, 0.5).
    const model: PureSvdModel = { factors: 2, nItems: 3, itemFactors: Float32Array.from([1, 0, 0, 1, 0.5, 0.5]), singularValues: Float64Array.from([2, 1]), binary: true };
    const out = new Float32Array(3);
    pureSvdScores(model, [0], undefined, out);
    expect(Array.from(out)).toEqual([1, 0, 0.5]);
    pureSvdScores(model, [0, 2], undefined, out);
    expect(Array.from(out)).toEqual([1.5, 0.5, 1]);
  });

  it('ranks a user\'s own block first on a two-block binary matrix', () => {
    const rng = createRng(2);
    const b = new InteractionMatrixBuilder();
    for (let i = 0; i < 30; i++) b.addItem(`i${i}`);
    for (let u = 0; u < 40; u++) {
      const base = u < 20 ? 0 : 15;
      for (let i = base; i < base + 15; i++) if (rng.next() < 0.5) b.add(`u${u}`, `i${i}`, 5);
    }
    const m = b.build();
    const model = trainPureSvd(m, { factors: 2, seed: 1 });
    const out = new Float32Array(30);
    for (let u = 0; u < m.nUsers; u++) {
      const items = m.indices.subarray(m.indptr[u], m.indptr[u + 1]);
      pureSvdScores(model, items, undefined, out);
      const own = Number(m.userIds[u].slice(1)) < 20 ? [0, 15] : [15, 30];
      let minOwn = Infinity;
      let maxOther = -Infinity;
      for (let i = 0; i < 30; i++) {
        if (i >= own[0] && i < own[1]) minOwn = Math.min(minOwn, out[i]);
        else maxOther = Math.max(maxOther, out[i]);
      }
      expect(minOwn).toBeGreaterThan(maxOther);
    }
  });
});
