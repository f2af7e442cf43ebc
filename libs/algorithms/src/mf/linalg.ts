// Small dense linear algebra for the factorization models: Gram matrices, Cholesky solves, Jacobi eigen-decomposition,
// modified Gram-Schmidt. Float64 throughout; matrices are flat arrays (layout stated per function).

/** Rows per partial sum of {@link gramMatrix}: partial sums are added in chunk order, whoever computes them. */
export const GRAM_CHUNK_ROWS = 1024;

/**
 * The Gram matrix FᵀF + ridge·I of `n` row-major factor rows of width `k` (`factors[r*k + f]`), as a full
 * symmetric k×k row-major Float64Array (written into `out` when given). Summed as partial sums over chunks of
 * {@link GRAM_CHUNK_ROWS} rows ({@link gramChunk}) added in chunk order ({@link reduceGramChunks}), so a parallel
 * caller that computes the chunks elsewhere gets bit-identical results. O(n·k²/2) multiply-adds.
 */
export function gramMatrix(factors: Float32Array, n: number, k: number, ridge = 0, out?: Float64Array): Float64Array {
  if (factors.length < n * k) throw new RangeError(`factors has ${factors.length} values, need ${n}×${k}`);
  const g = out ?? new Float64Array(k * k);
  if (g.length !== k * k) throw new RangeError(`out must have ${k * k} values, got ${g.length}`);
  const chunks = Math.max(1, Math.ceil(n / GRAM_CHUNK_ROWS));
  const partials = new Float64Array(chunks * k * k);
  for (let c = 0; c < chunks; c++) gramChunk(factors, k, c * GRAM_CHUNK_ROWS, Math.min(n, (c + 1) * GRAM_CHUNK_ROWS), partials.subarray(c * k * k, (c + 1) * k * k));
  return reduceGramChunks(partials, chunks, k, ridge, g);
}

/**
 * The upper triangle of Σ_r f_r f_rᵀ over factor rows [start, end) into `out` (k×k row-major; `out` is zeroed
 * first; the strict lower triangle holds partial values and is to be ignored). Rows are taken four at a time and
 * accumulator rows two at a time, so each load serves several multiply-adds.
 */
export function gramChunk(factors: Float32Array, k: number, start: number, end: number, out: Float64Array): void {
  out.fill(0, 0, k * k);
  const rows = new Float64Array(4 * k);
  let r = start;
  for (; r + 4 <= end; r += 4) {
    for (let j = 0; j < 4 * k; j++) rows[j] = factors[r * k + j];
    let a = 0;
    // Two accumulator rows (a, a + 1) at a time share the loads of the four factor rows.
    for (; a + 2 <= k; a += 2) {
      const y0 = rows[a];
      const y1 = rows[k + a];
      const y2 = rows[2 * k + a];
      const y3 = rows[3 * k + a];
      const z0 = rows[a + 1];
      const z1 = rows[k + a + 1];
      const z2 = rows[2 * k + a + 1];
      const z3 = rows[3 * k + a + 1];
      const base = a * k;
      const next = base + k;
      for (let b = a; b < k; b++) {
        const r0 = rows[b];
        const r1 = rows[k + b];
        const r2 = rows[2 * k + b];
        const r3 = rows[3 * k + b];
        out[base + b] += y0 * r0 + y1 * r1 + y2 * r2 + y3 * r3;
        out[next + b] += z0 * r0 + z1 * r1 + z2 * r2 + z3 * r3;
      }
    }
    for (; a < k; a++) {
      const y0 = rows[a];
      const y1 = rows[k + a];
      const y2 = rows[2 * k + a];
      const y3 = rows[3 * k + a];
      const base = a * k;
      for (let b = a; b < k; b++) out[base + b] += y0 * rows[b] + y1 * rows[k + b] + y2 * rows[2 * k + b] + y3 * rows[3 * k + b];
    }
  }
  for (; r < end; r++) {
    const o = r * k;
    for (let a = 0; a < k; a++) {
      const ya = factors[o + a];
      const base = a * k;
      for (let b = a; b < k; b++) out[base + b] += ya * factors[o + b];
    }
  }
}

/**
 * Adds `chunks` partial upper triangles (consecutive stride×stride blocks of `partials`, row-major, the k×k matrix in
 * their top-left corner) in order into the k×k `out`, mirrors, adds ridge·I. O(chunks·k²/2).
 */
export function reduceGramChunks(partials: Float64Array, chunks: number, k: number, ridge: number, out: Float64Array, stride = k): Float64Array {
  if (stride < k || partials.length < chunks * stride * stride) throw new RangeError(`partials must hold ${chunks} blocks of ${stride}×${stride} (stride ≥ k = ${k})`);
  out.fill(0);
  for (let c = 0; c < chunks; c++) {
    const o = c * stride * stride;
    for (let a = 0; a < k; a++) for (let b = a; b < k; b++) out[a * k + b] += partials[o + a * stride + b];
  }
  for (let a = 0; a < k; a++) {
    out[a * k + a] += ridge;
    for (let b = a + 1; b < k; b++) out[b * k + a] = out[a * k + b];
  }
  return out;
}

/**
 * Factors the symmetric positive-definite n×n row-major matrix `a` IN PLACE into its Cholesky factor L (lower
 * triangle, a = LLᵀ; the strict upper triangle is left as it was). O(n³/3). Throws a RangeError when `a` is not
 * positive definite.
 */
export function choleskyFactor(a: Float64Array, n: number): void {
  if (a.length < n * n) throw new RangeError(`matrix has ${a.length} values, need ${n}×${n}`);
  for (let j = 0; j < n; j++) {
    let d = a[j * n + j];
    for (let p = 0; p < j; p++) d -= a[j * n + p] * a[j * n + p];
    if (!(d > 0)) throw new RangeError(`matrix is not positive definite (pivot ${j} is ${d})`);
    const ljj = Math.sqrt(d);
    a[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let s = a[i * n + j];
      for (let p = 0; p < j; p++) s -= a[i * n + p] * a[j * n + p];
      a[i * n + j] = s / ljj;
    }
  }
}

/**
 * Solves a·x = b for a symmetric positive-definite n×n row-major `a` by Cholesky factorization of a copy (`a` is
 * not modified). Returns x (in `out` when given). O(n³/3 + n²). Throws a RangeError when `a` is not positive definite.
 */
export function choleskySolve(a: ArrayLike<number>, n: number, b: ArrayLike<number>, out?: Float64Array): Float64Array {
  if (b.length < n) throw new RangeError(`right-hand side has ${b.length} values, need ${n}`);
  const l = Float64Array.from(a);
  choleskyFactor(l, n);
  const x = out ?? new Float64Array(n);
  // Forward substitution L z = b, then back substitution Lᵀ x = z.
  for (let i = 0; i < n; i++) {
    let s = b[i];
    for (let p = 0; p < i; p++) s -= l[i * n + p] * x[p];
    x[i] = s / l[i * n + i];
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = x[i];
    for (let p = i + 1; p < n; p++) s -= l[p * n + i] * x[p];
    x[i] = s / l[i * n + i];
  }
  return x;
}

/** The eigen-decomposition of a symmetric matrix: values in descending order, `vectors[j*n + r]` = component r of the j-th. */
export interface SymmetricEigen {
  readonly values: Float64Array;
  /** n×n: eigenvector j (unit length) occupies vectors[j*n .. j*n + n - 1]. */
  readonly vectors: Float64Array;
}

/**
 * Eigenvalues and eigenvectors of the symmetric n×n row-major matrix `a` (not modified) by the cyclic Jacobi
 * method: sweeps of plane rotations zeroing each off-diagonal entry, until the off-diagonal mass is below
 * `tolerance` times the Frobenius norm (default 1e-14) or `maxSweeps` (default 100) sweeps. Accurate to a few ulps
 * of the largest eigenvalue, and small eigenvalues to high relative accuracy; O(n³) per sweep, typically 6–10
 * sweeps. Meant for the small projected matrices of a randomized SVD (n ≲ 300); {@link tridiagonalEigen} is faster.
 */
export function jacobiEigen(a: ArrayLike<number>, n: number, opts: { tolerance?: number; maxSweeps?: number } = {}): SymmetricEigen {
  if (a.length < n * n) throw new RangeError(`matrix has ${a.length} values, need ${n}×${n}`);
  const tolerance = opts.tolerance ?? 1e-14;
  const maxSweeps = opts.maxSweeps ?? 100;
  const m = Float64Array.from(a);
  // v holds eigenvectors as rows: v[j*n + r].
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  let total = 0;
  for (let i = 0; i < n * n; i++) total += m[i] * m[i];
  const threshold = tolerance * tolerance * total;
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += 2 * m[p * n + q] * m[p * n + q];
    if (off <= threshold) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = m[p * n + q];
        if (apq === 0) continue;
        const app = m[p * n + p];
        const aqq = m[q * n + q];
        // The rotation angle that zeroes a_pq: t = tan θ, the smaller root of t² + 2τt − 1 = 0.
        const tau = (aqq - app) / (2 * apq);
        const t = (tau >= 0 ? 1 : -1) / (Math.abs(tau) + Math.sqrt(1 + tau * tau));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = t * c;
        // Rows/columns p and q change; m stays symmetric, so each new value is written to both halves.
        for (let r = 0; r < n; r++) {
          if (r === p || r === q) continue;
          const mrp = m[r * n + p];
          const mrq = m[r * n + q];
          const np = c * mrp - s * mrq;
          const nq = s * mrp + c * mrq;
          m[r * n + p] = np;
          m[p * n + r] = np;
          m[r * n + q] = nq;
          m[q * n + r] = nq;
        }
        m[p * n + p] = app - t * apq;
        m[q * n + q] = aqq + t * apq;
        m[p * n + q] = 0;
        m[q * n + p] = 0;
        for (let r = 0; r < n; r++) {
          const vp = v[p * n + r];
          const vq = v[q * n + r];
          v[p * n + r] = c * vp - s * vq;
          v[q * n + r] = s * vp + c * vq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => m[y * n + y] - m[x * n + x] || x - y);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  order.forEach((j, rank) => {
    values[rank] = m[j * n + j];
    vectors.set(v.subarray(j * n, j * n + n), rank * n);
  });
  return { values, vectors };
}

/**
 * Eigenvalues and eigenvectors of the symmetric n×n row-major matrix `a` (not modified) by Householder reduction to
 * tridiagonal form followed by implicit QL steps with Wilkinson shifts — the same contract as {@link jacobiEigen}
 * (values descending, vectors as rows), with backward error a few ulps of ‖a‖ but no high relative accuracy for
 * eigenvalues much smaller than ‖a‖. About 7n³ flops, all on contiguous rows: 2–3 times faster than Jacobi's
 * sweeps, for the eigenbasis ALS rotates into every iteration. Throws if QL does not converge in 30n steps.
 */
export function tridiagonalEigen(a: ArrayLike<number>, n: number): SymmetricEigen {
  if (a.length < n * n) throw new RangeError(`matrix has ${a.length} values, need ${n}×${n}`);
  const m = Float64Array.from(a);
  // vt = Qᵀ for a = Q T Qᵀ (then the eigenvectors of T applied): row j is the current estimate of vector j.
  const vt = new Float64Array(n * n);
  for (let i = 0; i < n; i++) vt[i * n + i] = 1;
  const v = new Float64Array(n);
  const w = new Float64Array(n);
  const s = new Float64Array(n);
  const d = new Float64Array(n);
  // e[i] = T[i + 1][i].
  const e = new Float64Array(n);
  for (let k = 0; k + 2 < n; k++) {
    // Reflect x = column k below the diagonal (= row k right of it) onto α·e₁: H = I − β v vᵀ, v = x − α e₁.
    const row = k * n;
    d[k] = m[row + k];
    let norm2 = 0;
    for (let j = k + 1; j < n; j++) norm2 += m[row + j] * m[row + j];
    const x0 = m[row + k + 1];
    if (norm2 === 0) {
      e[k] = 0;
      continue;
    }
    const alpha = x0 >= 0 ? -Math.sqrt(norm2) : Math.sqrt(norm2);
    e[k] = alpha;
    for (let j = k + 1; j < n; j++) v[j] = m[row + j];
    v[k + 1] = x0 - alpha;
    const beta = 2 / (norm2 - x0 * x0 + v[k + 1] * v[k + 1]);
    // Trailing block B ← H B H = B − v wᵀ − w vᵀ with w = βBv − (β²vᵀBv/2) v.
    let vw = 0;
    for (let i = k + 1; i < n; i++) {
      const ri = i * n;
      let sum = 0;
      for (let j = k + 1; j < n; j++) sum += m[ri + j] * v[j];
      w[i] = beta * sum;
      vw += w[i] * v[i];
    }
    const half = (beta * vw) / 2;
    for (let i = k + 1; i < n; i++) w[i] -= half * v[i];
    for (let i = k + 1; i < n; i++) {
      const ri = i * n;
      const vi = v[i];
      const wi = w[i];
      for (let j = k + 1; j < n; j++) m[ri + j] -= vi * w[j] + wi * v[j];
    }
    // Qᵀ ← H Qᵀ: rows k+1.. of vt lose β v (vᵀ vt).
    s.fill(0);
    for (let i = k + 1; i < n; i++) {
      const ri = i * n;
      const vi = v[i];
      for (let j = 0; j < n; j++) s[j] += vi * vt[ri + j];
    }
    for (let i = k + 1; i < n; i++) {
      const ri = i * n;
      const f = beta * v[i];
      for (let j = 0; j < n; j++) vt[ri + j] -= f * s[j];
    }
  }
  if (n >= 2) {
    d[n - 2] = m[(n - 2) * n + n - 2];
    e[n - 2] = m[(n - 1) * n + n - 2];
  }
  if (n >= 1) d[n - 1] = m[n * n - 1];
  // Implicit QL/QR on T: deflate the bottom while its off-diagonal is negligible, else chase a Wilkinson-shifted
  // rotation through the unreduced block [lo, hi], rotating the rows of vt alike.
  const negligible = (i: number) => Math.abs(e[i]) <= 2.220446049250313e-16 * (Math.abs(d[i]) + Math.abs(d[i + 1]));
  let steps = 0;
  for (let hi = n - 1; hi > 0; ) {
    if (negligible(hi - 1)) {
      e[hi - 1] = 0;
      hi--;
      continue;
    }
    let lo = hi - 1;
    while (lo > 0 && !negligible(lo - 1)) lo--;
    if (++steps > 30 * n) throw new Error(`tridiagonalEigen did not converge in ${30 * n} steps`);
    const delta = (d[hi - 1] - d[hi]) / 2;
    const eh = e[hi - 1];
    const shift = d[hi] - (eh * eh) / (delta + (delta >= 0 ? 1 : -1) * Math.sqrt(delta * delta + eh * eh));
    let g = d[lo] - shift;
    let z = e[lo];
    for (let k = lo; k < hi; k++) {
      // The rotation of rows/columns k, k+1 that zeroes z (the bulge, or the shifted start) against g.
      const r = Math.sqrt(g * g + z * z);
      const c = r === 0 ? 1 : g / r;
      const sn = r === 0 ? 0 : -z / r;
      if (k > lo) e[k - 1] = r;
      const dk = d[k];
      const dk1 = d[k + 1];
      const f = e[k];
      d[k] = c * c * dk - 2 * c * sn * f + sn * sn * dk1;
      d[k + 1] = sn * sn * dk + 2 * c * sn * f + c * c * dk1;
      e[k] = c * sn * (dk - dk1) + (c * c - sn * sn) * f;
      if (k + 1 < hi) {
        const h = e[k + 1];
        z = -sn * h;
        e[k + 1] = c * h;
        g = e[k];
      }
      const rk = k * n;
      const rk1 = rk + n;
      for (let j = 0; j < n; j++) {
        const x = vt[rk + j];
        const y = vt[rk1 + j];
        vt[rk + j] = c * x - sn * y;
        vt[rk1 + j] = sn * x + c * y;
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => d[y] - d[x] || x - y);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  order.forEach((j, rank) => {
    values[rank] = d[j];
    vectors.set(vt.subarray(j * n, j * n + n), rank * n);
  });
  return { values, vectors };
}

/**
 * Orthonormalizes the `count` columns of a column-major matrix IN PLACE (column c at q[c*length .. c*length +
 * length - 1]) by modified Gram-Schmidt, run twice ("twice is enough") so the columns stay orthogonal to working
 * precision. A column that is (numerically) in the span of the earlier ones — its norm falls below 1e-10 of its
 * norm before orthogonalization — is set to zero. Returns the number of non-zero columns. O(length·count²).
 */
export function orthonormalizeColumns(q: Float64Array, length: number, count: number): number {
  if (q.length < length * count) throw new RangeError(`matrix has ${q.length} values, need ${length}×${count}`);
  let rank = 0;
  for (let c = 0; c < count; c++) {
    const col = c * length;
    const before = Math.sqrt(sumSquares(q, col, length));
    for (let pass = 0; pass < 2; pass++) {
      for (let p = 0; p < c; p++) {
        const prev = p * length;
        let d = 0;
        for (let r = 0; r < length; r++) d += q[prev + r] * q[col + r];
        if (d === 0) continue;
        for (let r = 0; r < length; r++) q[col + r] -= d * q[prev + r];
      }
    }
    const norm = Math.sqrt(sumSquares(q, col, length));
    if (!(norm > 1e-10 * before) || norm === 0) {
      q.fill(0, col, col + length);
      continue;
    }
    const inv = 1 / norm;
    for (let r = 0; r < length; r++) q[col + r] *= inv;
    rank++;
  }
  return rank;
}

function sumSquares(a: Float64Array, from: number, length: number): number {
  let s = 0;
  for (let r = from; r < from + length; r++) s += a[r] * a[r];
  return s;
}
