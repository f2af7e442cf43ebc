import { createRng } from '../random/rng';
import { choleskyFactor, choleskySolve, GRAM_CHUNK_ROWS, gramMatrix, jacobiEigen, orthonormalizeColumns, tridiagonalEigen, type SymmetricEigen } from './linalg';

describe('gramMatrix', () => {
  it('computes FᵀF + ridge·I for rows taken four at a time and one by one', () => {
    // Five rows: one block of four plus a remainder.
    const f = Float32Array.from([1, 0, 0, 1, 1, 1, 2, 0, 0, 3]);
    expect(Array.from(gramMatrix(f, 5, 2))).toEqual([6, 1, 1, 11]);
    expect(Array.from(gramMatrix(f, 5, 2, 0.5))).toEqual([6.5, 1, 1, 11.5]);
    // Three rows of width 3: [[1,2,3],[4,5,6],[7,8,10]].
    const g = gramMatrix(Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 10]), 3, 3);
    expect(Array.from(g)).toEqual([66, 78, 97, 78, 93, 116, 97, 116, 145]);
  });

  it('sums chunks of rows in order: equal to the plain sum over more than two chunks', () => {
    const n = 2 * GRAM_CHUNK_ROWS + 37;
    const rng = createRng(4);
    const f = Float32Array.from({ length: n * 3 }, () => rng.normal());
    const g = gramMatrix(f, n, 3, 1);
    for (let a = 0; a < 3; a++) {
      for (let b = 0; b < 3; b++) {
        let s = a === b ? 1 : 0;
        for (let r = 0; r < n; r++) s += f[r * 3 + a] * f[r * 3 + b];
        expect(g[a * 3 + b]).toBeCloseTo(s, 9);
      }
    }
  });

  it('rejects a too-short factor array', () => {
    expect(() => gramMatrix(new Float32Array(3), 2, 2)).toThrow(RangeError);
  });
});

describe('choleskyFactor / choleskySolve', () => {
  it('factors the classic 3×3 example into its known L', () => {
    const a = Float64Array.from([4, 12, -16, 12, 37, -43, -16, -43, 98]);
    choleskyFactor(a, 3);
    expect([a[0], a[3], a[4], a[6], a[7], a[8]]).toEqual([2, 6, 1, -8, 5, 3]);
  });

  it('solves a 2×2 system by hand: [[4,2],[2,3]] x = [2,1] gives x = [0.5, 0]', () => {
    const x = choleskySolve([4, 2, 2, 3], 2, [2, 1]);
    expect(x[0]).toBeCloseTo(0.5, 14);
    expect(x[1]).toBeCloseTo(0, 14);
  });

  it('leaves its input alone and throws on a matrix that is not positive definite', () => {
    const a = [4, 2, 2, 3];
    choleskySolve(a, 2, [1, 1]);
    expect(a).toEqual([4, 2, 2, 3]);
    expect(() => choleskySolve([1, 2, 2, 1], 2, [1, 1])).toThrow(/not positive definite/);
  });
});

describe.each<[string, (a: ArrayLike<number>, n: number) => SymmetricEigen]>([
  ['jacobiEigen', (a, n) => jacobiEigen(a, n)],
  ['tridiagonalEigen', tridiagonalEigen],
])('%s', (_, eigen) => {
  it('decomposes [[2,1],[1,2]] into eigenvalues 3 and 1 with eigenvectors (1,±1)/√2', () => {
    const { values, vectors } = eigen([2, 1, 1, 2], 2);
    expect(values[0]).toBeCloseTo(3, 14);
    expect(values[1]).toBeCloseTo(1, 14);
    expect(Math.abs(vectors[0])).toBeCloseTo(Math.SQRT1_2, 14);
    expect(vectors[0] * vectors[1]).toBeCloseTo(0.5, 14);
    expect(vectors[2] * vectors[3]).toBeCloseTo(-0.5, 14);
  });

  it('finds 2 + √2, 2, 2 − √2 for the tridiagonal [[2,−1,0],[−1,2,−1],[0,−1,2]]', () => {
    const { values } = eigen([2, -1, 0, -1, 2, -1, 0, -1, 2], 3);
    expect(values[0]).toBeCloseTo(2 + Math.SQRT2, 13);
    expect(values[1]).toBeCloseTo(2, 13);
    expect(values[2]).toBeCloseTo(2 - Math.SQRT2, 13);
  });

  it('satisfies A v = λ v with orthonormal vectors on a random symmetric 12×12 matrix', () => {
    const n = 12;
    const rng = createRng(3);
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = i; j < n; j++) a[i * n + j] = a[j * n + i] = rng.normal();
    const { values, vectors } = eigen(a, n);
    for (let j = 0; j < n; j++) {
      if (j > 0) expect(values[j]).toBeLessThanOrEqual(values[j - 1]);
      for (let r = 0; r < n; r++) {
        let av = 0;
        for (let c = 0; c < n; c++) av += a[r * n + c] * vectors[j * n + c];
        expect(av).toBeCloseTo(values[j] * vectors[j * n + r], 10);
      }
      for (let h = 0; h < n; h++) {
        let d = 0;
        for (let r = 0; r < n; r++) d += vectors[j * n + r] * vectors[h * n + r];
        expect(d).toBeCloseTo(h === j ? 1 : 0, 12);
      }
    }
  });

  it('handles 1×1, the zero matrix and repeated eigenvalues', () => {
    expect(Array.from(eigen([-4], 1).values)).toEqual([-4]);
    expect(Array.from(eigen([-4], 1).vectors)).toEqual([1]);
    expect(Array.from(eigen(new Float64Array(9), 3).values)).toEqual([0, 0, 0]);
    const { values, vectors } = eigen([5, 0, 0, 0, 5, 0, 0, 0, 5], 3);
    expect(Array.from(values)).toEqual([5, 5, 5]);
    for (let j = 0; j < 3; j++) for (let h = 0; h < 3; h++) expect(Math.abs(vectors[j * 3 + 0] * vectors[h * 3 + 0] + vectors[j * 3 + 1] * vectors[h * 3 + 1] + vectors[j * 3 + 2] * vectors[h * 3 + 2])).toBeCloseTo(j === h ? 1 : 0, 14);
  });
});

describe('tridiagonalEigen on a nearly diagonal 64×64 matrix (an ALS Gram matrix in the previous eigenbasis)', () => {
  it('agrees with Jacobi and diagonalizes it to rounding', () => {
    const n = 64;
    const rng = createRng(11);
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      a[i * n + i] = 100 + 200 * rng.next();
      for (let j = i + 1; j < n; j++) a[i * n + j] = a[j * n + i] = 0.2 * rng.normal();
    }
    const ql = tridiagonalEigen(a, n);
    const jacobi = jacobiEigen(a, n);
    for (let j = 0; j < n; j++) expect(ql.values[j]).toBeCloseTo(jacobi.values[j], 10);
    let off = 0;
    let total = 0;
    for (let p = 0; p < n; p++) {
      for (let q = 0; q < n; q++) {
        let x = 0;
        for (let r = 0; r < n; r++) {
          let ar = 0;
          for (let c = 0; c < n; c++) ar += a[r * n + c] * ql.vectors[q * n + c];
          x += ql.vectors[p * n + r] * ar;
        }
        total += x * x;
        if (p !== q) off += x * x;
      }
    }
    expect(Math.sqrt(off / total)).toBeLessThan(1e-13);
  });
});

describe('orthonormalizeColumns', () => {
  it('orthonormalizes by Gram-Schmidt and zeroes a dependent column', () => {
    // Columns (1,1,0), (1,0,1) and their sum.
    const q = Float64Array.from([1, 1, 0, 1, 0, 1, 2, 1, 1]);
    expect(orthonormalizeColumns(q, 3, 3)).toBe(2);
    const s = Math.SQRT1_2;
    const t = 1 / Math.sqrt(1.5);
    const expected = [s, s, 0, 0.5 * t, -0.5 * t, t, 0, 0, 0];
    expected.forEach((v, i) => expect(q[i]).toBeCloseTo(v, 14));
  });
});
