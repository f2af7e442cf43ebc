import { binarizeCsr, transposeCsr, type CsrRows } from './csr';

describe('transposeCsr', () => {
  it('transposes a 2×3 matrix, rows of the transpose in ascending order', () => {
    // [[0, 5, 6], [7, 0, 8]] → [[0, 7], [5, 0], [6, 8]].
    const m: CsrRows = { nRows: 2, nCols: 3, indptr: Int32Array.from([0, 2, 4]), indices: Int32Array.from([1, 2, 0, 2]), values: Float32Array.from([5, 6, 7, 8]) };
    const t = transposeCsr(m);
    expect(t.nRows).toBe(3);
    expect(t.nCols).toBe(2);
    expect(Array.from(t.indptr)).toEqual([0, 1, 2, 4]);
    expect(Array.from(t.indices)).toEqual([1, 0, 0, 1]);
    expect(Array.from(t.values)).toEqual([7, 5, 6, 8]);
    expect(Array.from(transposeCsr(t).values)).toEqual([5, 6, 7, 8]);
    expect(Array.from(binarizeCsr(m).values)).toEqual([1, 1, 1, 1]);
  });
});
