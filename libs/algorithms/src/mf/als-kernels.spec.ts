import { createRng } from '../random/rng';
import { AlsKernels, alsLayout, AlsWorkspace, taskPieces, type AlsTask } from './als-kernels';
import { type CsrRows } from './csr';
import { choleskySolve, GRAM_CHUNK_ROWS, gramMatrix } from './linalg';

function normals(n: number, seed: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: n }, () => rng.normal());
}

/** A workspace with the given factors and no matrix entries. */
function workspaceOf(k: number, users: Float32Array, items: Float32Array): { ws: AlsWorkspace; kernels: AlsKernels } {
  const nUsers = users.length / k;
  const nItems = items.length / k;
  const ws = new AlsWorkspace(alsLayout(nUsers, nItems, 0, k, 2));
  ws.writeFactors('users', users);
  ws.writeFactors('items', items);
  return { ws, kernels: new AlsKernels(ws.memory, ws.layout) };
}

describe('rotate kernel', () => {
  it('replaces each row x in the range by M·x, rows in pairs and alone alike', () => {
    // M = [[0, 1], [2, 3]]: (x0, x1) → (x1, 2·x0 + 3·x1). Rows 1–3 of the user-then-item block of four.
    const rotate: AlsTask = { kind: 'rotate' };
    const run = (ranges: [number, number][]) => {
      const { ws, kernels } = workspaceOf(2, Float32Array.from([1, 1, 1, 2]), Float32Array.from([3, 4, 5, 6]));
      ws.writeSquare(ws.layout.rotation, Float64Array.from([0, 1, 2, 3]));
      for (const [a, b] of ranges) kernels.run(rotate, a, b, 0);
      return [...ws.readFactors('users'), ...ws.readFactors('items')];
    };
    expect(run([[1, 4]])).toEqual([1, 1, 2, 8, 4, 18, 6, 28]);
    expect(run([[1, 2], [2, 3], [3, 4]])).toEqual([1, 1, 2, 8, 4, 18, 6, 28]);
  });

  it('rotates rows of odd width (one zero padding coordinate) as the plain product does', () => {
    const k = 3;
    const x = normals(5 * k, 1);
    const m = Float64Array.from(normals(k * k, 2));
    const { ws, kernels } = workspaceOf(k, x.slice(0, 2 * k), x.slice(2 * k));
    ws.writeSquare(ws.layout.rotation, m);
    kernels.run({ kind: 'rotate' }, 0, 5, 1);
    const got = [...ws.readFactors('users'), ...ws.readFactors('items')];
    for (let r = 0; r < 5; r++) {
      for (let j = 0; j < k; j++) {
        let s = 0;
        for (let g = 0; g < k; g++) s += m[j * k + g] * x[r * k + g];
        expect(got[r * k + j]).toBeCloseTo(s, 5);
      }
    }
  });
});

describe('gram kernel', () => {
  it.each([3, 8, 64])('sums FᵀF over chunks of rows as gramMatrix does (k = %i)', (k) => {
    const n = 2 * GRAM_CHUNK_ROWS + 5;
    const items = normals(n * k, k);
    const { ws, kernels } = workspaceOf(k, normals(2 * k, 9), items);
    kernels.run({ kind: 'gram', side: 'items' }, 0, 3, 0);
    const got = ws.reduceGram('items', 0.5, new Float64Array(k * k));
    const want = gramMatrix(items, n, k, 0.5);
    for (let j = 0; j < k * k; j++) expect(Math.abs(got[j] - want[j])).toBeLessThan(1e-10 * n);
    // Integers are summed exactly, whatever the order.
    const ints = Float32Array.from(items, (v) => Math.round(4 * v));
    const exact = workspaceOf(k, normals(2 * k, 9), ints);
    exact.kernels.run({ kind: 'gram', side: 'items' }, 0, 3, 1);
    expect(Array.from(exact.ws.reduceGram('items', 0, new Float64Array(k * k)))).toEqual(Array.from(gramMatrix(ints, n, k)));
  });
});

describe('solve kernel', () => {
  /** One user row over `items` entries against random item factors, k = 4. */
  function problem(entries: number[]) {
    const k = 4;
    const items = normals(6 * k, 3);
    const rows: CsrRows = { nRows: 2, nCols: 6, indptr: Int32Array.from([0, entries.length, entries.length]), indices: Int32Array.from(entries), values: Float32Array.from(entries, (_, e) => 1 + e) };
    const ws = new AlsWorkspace(alsLayout(2, 6, entries.length, k, 1));
    ws.writeRows('users', rows);
    ws.writeFactors('users', normals(2 * k, 4));
    ws.writeFactors('items', items);
    return { k, items, ws, kernels: new AlsKernels(ws.memory, ws.layout) };
  }

  it('with k CG steps, solves the row exactly; a row without entries becomes zero', () => {
    const { k, items, ws, kernels } = problem([0, 2, 3, 5, 1]);
    const g = gramMatrix(items, 6, k, 0.1);
    ws.writeSquare(ws.layout.gram, g);
    kernels.run({ kind: 'solve', side: 'users', diagonal: false, alpha: 2, cgSteps: k }, 0, 2, 0);
    // (G + Σ (c − 1) y yᵀ) x = Σ c y with c = 1 + 2·value.
    const a = Float64Array.from(g);
    const b = new Float64Array(k);
    [0, 2, 3, 5, 1].forEach((i, e) => {
      const c = 1 + 2 * (1 + e);
      for (let f = 0; f < k; f++) {
        b[f] += c * items[i * k + f];
        for (let h = 0; h < k; h++) a[f * k + h] += (c - 1) * items[i * k + f] * items[i * k + h];
      }
    });
    const want = choleskySolve(a, k, b);
    const got = ws.readFactors('users');
    for (let f = 0; f < k; f++) expect(got[f]).toBeCloseTo(want[f], 4);
    expect(Array.from(got.subarray(k))).toEqual([0, 0, 0, 0]);
  });

  it('gives the same bits from a diagonal G passed dense or as its diagonal', () => {
    const diagonal = Float64Array.from([3, 1.5, 0.25, 7]);
    const dense = new Float64Array(16);
    diagonal.forEach((d, f) => (dense[f * 4 + f] = d));
    const results = [true, false].map((isDiagonal) => {
      const { ws, kernels } = problem([1, 4, 2]);
      if (isDiagonal) ws.writeDiagonal(diagonal);
      else ws.writeSquare(ws.layout.gram, dense);
      kernels.run({ kind: 'solve', side: 'users', diagonal: isDiagonal, alpha: 1, cgSteps: 3 }, 0, 2, 0);
      return Array.from(ws.readFactors('users'));
    });
    expect(results[0]).toEqual(results[1]);
    expect(results[0].slice(0, 4).some((v) => v !== 0)).toBe(true);
  });
});

describe('taskPieces', () => {
  it('cuts a solve into contiguous ranges of about equal cost, and other tasks into equal counts', () => {
    // 100 rows: the first ten hold 1,000 entries each, the rest one each.
    const counts = Array.from({ length: 100 }, (_, r) => (r < 10 ? 1000 : 1));
    const indptr = new Int32Array(101);
    counts.forEach((c, r) => (indptr[r + 1] = indptr[r] + c));
    const layout = alsLayout(100, 5000, indptr[100], 8, 2);
    const solve: AlsTask = { kind: 'solve', side: 'users', diagonal: true, alpha: 1, cgSteps: 3 };
    const bounds = taskPieces(layout, solve, 4, indptr);
    expect(bounds[0]).toBe(0);
    expect(bounds[bounds.length - 1]).toBe(100);
    for (let p = 1; p < bounds.length; p++) expect(bounds[p]).toBeGreaterThan(bounds[p - 1]);
    // The heavy rows are spread over the pieces rather than all landing in the first.
    expect(bounds[1]).toBeLessThan(10);
    expect(taskPieces(layout, { kind: 'rotate' }, 4)).toEqual([0, 1275, 2550, 3825, 5100]);
    expect(taskPieces(layout, { kind: 'gram', side: 'items' }, 16)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(taskPieces(layout, solve, 1, indptr)).toEqual([0, 100]);
  });
});
