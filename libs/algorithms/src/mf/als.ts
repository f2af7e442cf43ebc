// Implicit-feedback ALS (Hu, Koren, Volinsky 2008) solved per row by a few warm-started conjugate-gradient steps.
import { type InteractionMatrix } from '../matrix/interaction-matrix';
import { createRng } from '../random/rng';
import { csrOf, transposeCsr, type CsrRows } from './csr';
import { choleskySolve, GRAM_CHUNK_ROWS, gramMatrix, jacobiEigen, reduceGramChunks, rotateRows } from './linalg';

/** Options of {@link trainAls}. */
export interface AlsOptions {
  /** Latent dimension k ≥ 1 (default 64). */
  factors?: number;
  /** L2 strength λ ≥ 0 on every user and item vector (default 0.01). */
  regularization?: number;
  /** Confidence scale α ≥ 0: an observed entry with value r has confidence c = 1 + α·r (default 1). */
  alpha?: number;
  /** Alternating sweeps (users, then items) ≥ 0 (default 15). */
  iterations?: number;
  /** Conjugate-gradient steps per row and half-sweep ≥ 1 (default 3). k steps solve a row exactly. */
  cgSteps?: number;
  /** Seed of the initial factors (default 0). */
  seed?: number;
  /** Standard deviation of the normal initial factors (default 0.01). */
  initScale?: number;
  /** Start from these factors instead of random ones (copied; row-major, nUsers×k and nItems×k). */
  initial?: { readonly userFactors: Float32Array; readonly itemFactors: Float32Array };
  /**
   * Called after each full sweep with the 1-based iteration and the current model. Its arrays are live and may be
   * expressed in a rotated basis until training returns (scores x·y and {@link alsLoss} are unaffected).
   */
  onIteration?: (iteration: number, model: AlsModel) => void;
  /** Runs the row solves of each half-sweep, e.g. on worker threads (default: all rows in this thread). */
  executor?: AlsRowExecutor;
}

/** The per-row solver settings of a half-sweep (see {@link solveAlsRows}). */
export interface AlsSolveOptions {
  readonly factors: number;
  readonly alpha: number;
  readonly cgSteps: number;
}

/**
 * Runs the row solves of ALS half-sweeps somewhere else, typically split across threads. Rows are independent, so
 * any split gives results bit-identical to solving them in order.
 */
export interface AlsRowExecutor {
  /** Allocates a factor matrix of `length` values (e.g. on a SharedArrayBuffer that worker threads can write). */
  allocate(length: number): Float32Array;
  /** Must leave `target` exactly as `solveAlsRows(rows, target, fixed, gram, opts, 0, rows.nRows)` would. */
  solve(rows: CsrRows, target: Float32Array, fixed: Float32Array, gram: Float64Array, opts: AlsSolveOptions): void;
  /**
   * Optional: for every chunk c of {@link GRAM_CHUNK_ROWS} rows of the n×k `factors`, writes
   * `gramChunk(factors, k, c·GRAM_CHUNK_ROWS, min(n, (c + 1)·GRAM_CHUNK_ROWS))` into `partials[c·k² .. (c + 1)·k²)`.
   */
  gramChunks?(factors: Float32Array, n: number, k: number, partials: Float64Array): void;
  /** Optional: `rotateRows(f, k, m, 0, f.length / k)` for every f (rows may be split between threads). */
  rotate?(factors: readonly Float32Array[], k: number, m: Float64Array): void;
}

/** The defaults of {@link AlsOptions}, in one place. */
export const ALS_DEFAULTS: Readonly<Required<Pick<AlsOptions, 'factors' | 'regularization' | 'alpha' | 'iterations' | 'cgSteps' | 'seed' | 'initScale'>>> =
  Object.freeze({ factors: 64, regularization: 0.01, alpha: 1, iterations: 15, cgSteps: 3, seed: 0, initScale: 0.01 });

/** A trained ALS model: x_u·y_i scores item i for user u. */
export interface AlsModel {
  /** k. */
  readonly factors: number;
  readonly nUsers: number;
  readonly nItems: number;
  /** Row-major nUsers×k: user u at [u*k, u*k + k). */
  readonly userFactors: Float32Array;
  /** Row-major nItems×k. */
  readonly itemFactors: Float32Array;
  /** λ and α it was trained with (fold-in reuses them). */
  readonly regularization: number;
  readonly alpha: number;
}

/** Reusable per-solver buffers: the CG vectors of one row, in float64. */
export interface AlsScratch {
  readonly x: Float64Array;
  readonly r: Float64Array;
  readonly p: Float64Array;
  readonly ap: Float64Array;
}

/** Buffers for {@link solveAlsRows} with k factors. */
export function createAlsScratch(k: number): AlsScratch {
  return { x: new Float64Array(k), r: new Float64Array(k), p: new Float64Array(k), ap: new Float64Array(k) };
}

/**
 * Trains implicit-feedback ALS on `matrix` (values r_ui ≥ 0 of the observed entries). Minimises
 *
 *   Σ_u Σ_i c_ui (p_ui − x_u·y_i)² + λ (Σ_u ‖x_u‖² + Σ_i ‖y_i‖²)
 *
 * over ALL (u, i) pairs, with preference p_ui = 1 and confidence c_ui = 1 + α·r_ui for observed entries and
 * p = 0, c = 1 otherwise. Each iteration solves every user row with the item factors fixed, then every item row
 * with the user factors fixed. A row's normal equations (YᵀY + Yᵀ(C_u − I)Y + λI) x = Yᵀ C_u p_u are solved
 * approximately by `cgSteps` conjugate-gradient steps started from the row's current factors, with YᵀY + λI
 * computed once per half-sweep and the rest applied through the row's non-zeros only (the scheme of Takács et al.
 * and of the `implicit` library's CG solver). Each CG step cannot increase the row's objective, so the objective
 * never increases from one half-sweep to the next. Rows without entries get zero vectors (their exact solution).
 *
 * When the side being solved has many more rows than the fixed side, both factor matrices are first rotated into
 * the eigenbasis of the Gram matrix (Jacobi): an orthogonal change of basis leaves scores, the objective and the
 * CG iterates unchanged (up to rounding) and makes every product with the Gram matrix cost k instead of k². The
 * returned factors are rotated back to the original basis.
 *
 * Cost per iteration: O(nnz·k·(cgSteps + 1) + (nUsers + nItems)·k² · (cgSteps + 1 for a side solved against a dense
 * Gram matrix, 1 for a rotated side)); memory O(nnz + (nUsers + nItems)·k). Deterministic given the seed (or
 * `initial`): same inputs, bit-identical factors, with or without an executor.
 */
export function trainAls(matrix: InteractionMatrix, options: AlsOptions = {}): AlsModel {
  const o = { ...ALS_DEFAULTS, ...options };
  checkOptions(o);
  const k = o.factors;
  const users = csrOf(matrix);
  const items = transposeCsr(users);
  checkValues(users.values);
  let userFactors: Float32Array;
  let itemFactors: Float32Array;
  const allocate = (length: number): Float32Array => {
    const a = o.executor ? o.executor.allocate(length) : new Float32Array(length);
    if (a.length !== length) throw new RangeError(`executor allocated ${a.length} values, asked for ${length}`);
    return a;
  };
  if (o.initial) {
    if (o.initial.userFactors.length !== matrix.nUsers * k || o.initial.itemFactors.length !== matrix.nItems * k) {
      throw new RangeError(`initial factors must be ${matrix.nUsers}×${k} and ${matrix.nItems}×${k}`);
    }
    userFactors = allocate(matrix.nUsers * k);
    itemFactors = allocate(matrix.nItems * k);
    userFactors.set(o.initial.userFactors);
    itemFactors.set(o.initial.itemFactors);
  } else {
    const rng = createRng(o.seed);
    userFactors = allocate(matrix.nUsers * k);
    itemFactors = allocate(matrix.nItems * k);
    for (let j = 0; j < userFactors.length; j++) userFactors[j] = o.initScale * rng.normal();
    for (let j = 0; j < itemFactors.length; j++) itemFactors[j] = o.initScale * rng.normal();
  }
  const model: AlsModel = {
    factors: k,
    nUsers: matrix.nUsers,
    nItems: matrix.nItems,
    userFactors,
    itemFactors,
    regularization: o.regularization,
    alpha: o.alpha,
  };
  const gram = new Float64Array(k * k);
  const diagonal = new Float64Array(k);
  const scratch = createAlsScratch(k);
  const solve: AlsSolveOptions = { factors: k, alpha: o.alpha, cgSteps: o.cgSteps };
  const executor = o.executor;
  const solveAll = (rows: CsrRows, target: Float32Array, fixed: Float32Array, g: Float64Array): void => {
    if (executor) executor.solve(rows, target, fixed, g, solve);
    else solveAlsRows(rows, target, fixed, g, solve, 0, rows.nRows, scratch);
  };
  const rotate = (factors: readonly Float32Array[], m: Float64Array): void => {
    if (executor?.rotate) executor.rotate(factors, k, m);
    else for (const f of factors) rotateRows(f, k, m, 0, f.length / k);
  };
  const basis = new BasisTracker(k, rotate);
  const computeGram = (fixed: Float32Array, n: number): void => {
    if (executor?.gramChunks) {
      const chunks = Math.max(1, Math.ceil(n / GRAM_CHUNK_ROWS));
      const partials = new Float64Array(chunks * k * k);
      executor.gramChunks(fixed, n, k, partials);
      reduceGramChunks(partials, chunks, k, o.regularization, gram);
    } else {
      gramMatrix(fixed, n, k, o.regularization, gram);
    }
  };
  const halfSweep = (rows: CsrRows, target: Float32Array, fixed: Float32Array, nFixed: number): void => {
    computeGram(fixed, nFixed);
    if (basis.worthRotating(rows.nRows, nFixed, o.cgSteps)) {
      // Rotate both sides into the eigenbasis of the Gram matrix: scores and the objective are unchanged, the
      // iterates of CG are the same rotated, and every product with the Gram matrix costs k instead of k².
      basis.rotateToEigenbasis(gram, diagonal, [userFactors, itemFactors]);
      solveAll(rows, target, fixed, diagonal);
    } else {
      solveAll(rows, target, fixed, gram);
    }
  };
  for (let it = 1; it <= o.iterations; it++) {
    halfSweep(users, userFactors, itemFactors, matrix.nItems);
    halfSweep(items, itemFactors, userFactors, matrix.nUsers);
    o.onIteration?.(it, model);
  }
  basis.restore([userFactors, itemFactors]);
  return model;
}

/**
 * The common orthogonal basis the factors are kept in during training. Rotating user and item factors by the same
 * orthogonal R leaves every score x·y, and so the objective, unchanged; in the eigenbasis of a Gram matrix G that
 * matrix is diagonal. Rotating costs k² per factor row, once, against (cgSteps + 1)·k² per solved row for the
 * products with a dense G, so it pays off for the side with many more rows than the other (items, usually).
 */
class BasisTracker {
  /** Accumulated rotation: the factors are original·R. Identity until the first rotation. */
  private readonly rotation: Float64Array;
  private rotated = false;

  constructor(
    private readonly k: number,
    private readonly rotate: (factors: readonly Float32Array[], m: Float64Array) => void,
  ) {
    this.rotation = new Float64Array(k * k);
    for (let f = 0; f < k; f++) this.rotation[f * k + f] = 1;
  }

  /** Whether solving `nTarget` rows against `nFixed` fixed rows is cheaper after a rotation (in k² units). */
  worthRotating(nTarget: number, nFixed: number, cgSteps: number): boolean {
    // Jacobi on a nearly diagonal matrix takes a few sweeps of ~3k³ flops: count it as 10k rows.
    return nTarget + nFixed + 10 * this.k < (cgSteps + 1) * nTarget;
  }

  /** Diagonalises `gram` (k×k) by Jacobi, writes its eigenvalues to `diagonal` and rotates every factor matrix. */
  rotateToEigenbasis(gram: Float64Array, diagonal: Float64Array, factors: readonly Float32Array[]): void {
    const k = this.k;
    // Off-diagonal mass below 1e-10 of the norm is far under float32 precision: G is treated as diagonal.
    const { values, vectors } = jacobiEigen(gram, k, { tolerance: 1e-10 });
    diagonal.set(values);
    // New coordinates x'_j = x·v_j: M = the matrix whose rows are the eigenvectors.
    this.rotate(factors, vectors);
    // R ← R·Q where column j of Q is v_j: R'[a][j] = Σ_b R[a][b] v_j[b].
    const next = new Float64Array(k * k);
    for (let a = 0; a < k; a++) {
      for (let j = 0; j < k; j++) {
        let sum = 0;
        for (let b = 0; b < k; b++) sum += this.rotation[a * k + b] * vectors[j * k + b];
        next[a * k + j] = sum;
      }
    }
    this.rotation.set(next);
    this.rotated = true;
  }

  /** Rotates the factors back to the original basis: x_a = Σ_j x'_j R[a][j], i.e. M = R. */
  restore(factors: readonly Float32Array[]): void {
    if (this.rotated) this.rotate(factors, this.rotation);
  }
}

/**
 * One half-sweep of ALS over rows [start, end) of `rows`: for each row r, `cgSteps` CG steps on
 * (G + Σ_e (c_e − 1) f_e f_eᵀ) x = Σ_e c_e f_e, warm-started from target row r and written back to it, where f_e
 * is the `fixed` factor row of entry e's column, c_e = 1 + α·value_e and G = FᵀF + λI (`gram`: k×k from
 * {@link gramMatrix}, or just its diagonal, length k, when G is diagonal in the factors' basis). Rows are
 * independent, so disjoint ranges may be solved in parallel. No allocation.
 */
export function solveAlsRows(
  rows: CsrRows,
  target: Float32Array,
  fixed: Float32Array,
  gram: Float64Array,
  opts: AlsSolveOptions,
  start: number,
  end: number,
  scratch: AlsScratch = createAlsScratch(opts.factors),
): void {
  const k = opts.factors;
  const alpha = opts.alpha;
  const cgSteps = opts.cgSteps;
  const { indptr, indices, values } = rows;
  const { x, r, p, ap } = scratch;
  const isDiagonal = gram.length === k && k > 1;
  if (!isDiagonal && gram.length !== k * k) throw new RangeError(`gram must have ${k}×${k} values (or ${k} for a diagonal), got ${gram.length}`);
  for (let row = start; row < end; row++) {
    const out = row * k;
    const from = indptr[row];
    const to = indptr[row + 1];
    if (from === to) {
      target.fill(0, out, out + k);
      continue;
    }
    for (let f = 0; f < k; f++) x[f] = target[out + f];
    // r = b − A x = Σ c_e f_e − G x − Σ (c_e − 1)(f_e·x) f_e.
    if (isDiagonal) for (let f = 0; f < k; f++) r[f] = -gram[f] * x[f];
    else matvec(gram, x, r, k, -1);
    accumulateEntries(fixed, indices, values, from, to, alpha, x, r, k, 1, 1, -1);
    let rsold = 0;
    for (let f = 0; f < k; f++) {
      p[f] = r[f];
      rsold += r[f] * r[f];
    }
    if (rsold < 1e-20) continue;
    // With a diagonal G, ap = G p is started in the loop that updates p.
    if (isDiagonal) for (let f = 0; f < k; f++) ap[f] = gram[f] * p[f];
    for (let step = 0; step < cgSteps; step++) {
      // ap = A p without forming A: G p plus the row's non-zero corrections.
      if (!isDiagonal) matvec(gram, p, ap, k, 1);
      accumulateEntries(fixed, indices, values, from, to, alpha, p, ap, k, 0, 0, 1);
      let pap = 0;
      for (let f = 0; f < k; f++) pap += p[f] * ap[f];
      if (!(pap > 0)) break;
      const a = rsold / pap;
      let rsnew = 0;
      for (let f = 0; f < k; f++) {
        x[f] += a * p[f];
        const rf = r[f] - a * ap[f];
        r[f] = rf;
        rsnew += rf * rf;
      }
      if (rsnew < 1e-20 || step + 1 === cgSteps) break;
      const beta = rsnew / rsold;
      if (isDiagonal) {
        for (let f = 0; f < k; f++) {
          const pf = r[f] + beta * p[f];
          p[f] = pf;
          ap[f] = gram[f] * pf;
        }
      } else {
        for (let f = 0; f < k; f++) p[f] = r[f] + beta * p[f];
      }
      rsold = rsnew;
    }
    for (let f = 0; f < k; f++) target[out + f] = x[f];
  }
}

/**
 * The ALS objective of `model` on `matrix` (see {@link trainAls}): Σ over all user–item pairs of c·(p − x·y)² plus
 * λ times the squared norms of all factors, with the model's λ and α (or those given). Computed without visiting
 * unobserved pairs: Σ_u x_uᵀ(YᵀY)x_u + Σ_observed [c(1 − s)² − s²] + λ‖·‖². O(nUsers·k² + nnz·k + nItems·k²).
 */
export function alsLoss(model: AlsModel, matrix: InteractionMatrix, params: { regularization?: number; alpha?: number } = {}): number {
  const k = model.factors;
  const lambda = params.regularization ?? model.regularization;
  const alpha = params.alpha ?? model.alpha;
  const { userFactors: xs, itemFactors: ys } = model;
  const g = gramMatrix(ys, model.nItems, k);
  const x = new Float64Array(k);
  const gx = new Float64Array(k);
  let loss = 0;
  for (let u = 0; u < model.nUsers; u++) {
    const o = u * k;
    for (let f = 0; f < k; f++) x[f] = xs[o + f];
    matvec(g, x, gx, k, 1);
    for (let f = 0; f < k; f++) loss += x[f] * gx[f];
    for (let e = matrix.indptr[u]; e < matrix.indptr[u + 1]; e++) {
      const s = dot(ys, matrix.indices[e] * k, x, k);
      const c = 1 + alpha * matrix.values[e];
      loss += c * (1 - s) * (1 - s) - s * s;
    }
  }
  let norms = 0;
  for (let j = 0; j < xs.length; j++) norms += xs[j] * xs[j];
  for (let j = 0; j < ys.length; j++) norms += ys[j] * ys[j];
  return loss + lambda * norms;
}

/**
 * Fold-in: the exact least-squares user vector for a history the model was not trained on (a new user, or a
 * user's updated history) with the item factors fixed, solving (YᵀY + Yᵀ(C − I)Y + λI) x = Yᵀ C p by Cholesky.
 * `items` are item indexes (a repeated item counts twice), `values` their r (default all 1). Pass `gram` =
 * YᵀY + λI from {@link gramMatrix} to amortise it over many users. O(nItems·k² without `gram`, else n·k² + k³/3).
 */
export function recalculateUser(
  model: AlsModel,
  items: ArrayLike<number>,
  values?: ArrayLike<number>,
  gram?: Float64Array,
): Float32Array {
  const k = model.factors;
  if (values !== undefined && values.length !== items.length) throw new RangeError(`${items.length} items but ${values.length} values`);
  if (items.length === 0) return new Float32Array(k);
  const a = gram ? Float64Array.from(gram) : gramMatrix(model.itemFactors, model.nItems, k, model.regularization);
  if (a.length !== k * k) throw new RangeError(`gram must be ${k}×${k}`);
  const b = new Float64Array(k);
  const ys = model.itemFactors;
  for (let n = 0; n < items.length; n++) {
    const i = items[n];
    if (!Number.isInteger(i) || i < 0 || i >= model.nItems) throw new RangeError(`item ${i} is not in [0, ${model.nItems})`);
    const r = values === undefined ? 1 : values[n];
    if (!(r >= 0)) throw new RangeError(`values must be ≥ 0, got ${r}`);
    const c = 1 + model.alpha * r;
    const o = i * k;
    for (let f = 0; f < k; f++) {
      const yf = ys[o + f];
      b[f] += c * yf;
      const w = (c - 1) * yf;
      if (w === 0) continue;
      for (let g = 0; g < k; g++) a[f * k + g] += w * ys[o + g];
    }
  }
  return Float32Array.from(choleskySolve(a, k, b));
}

/** Writes x·y_i for every item i into `out` (length nItems) for the user vector `user` (length k). O(nItems·k). */
export function scoreAllItems(user: ArrayLike<number>, itemFactors: Float32Array, k: number, out: Float32Array): void {
  if (user.length !== k) throw new RangeError(`user vector has ${user.length} values, need ${k}`);
  const x = Float64Array.from(user);
  const n = out.length;
  if (itemFactors.length < n * k) throw new RangeError(`itemFactors has ${itemFactors.length} values, need ${n}×${k}`);
  for (let i = 0; i < n; i++) out[i] = dot(itemFactors, i * k, x, k);
}

/** y = s·M x for a dense row-major k×k M; four rows at a time so each x[f] load serves four products. */
function matvec(m: Float64Array, x: Float64Array, y: Float64Array, k: number, s: number): void {
  let j = 0;
  for (; j + 4 <= k; j += 4) {
    const o0 = j * k;
    const o1 = o0 + k;
    const o2 = o1 + k;
    const o3 = o2 + k;
    let a0 = 0;
    let a1 = 0;
    let a2 = 0;
    let a3 = 0;
    for (let f = 0; f < k; f++) {
      const xf = x[f];
      a0 += m[o0 + f] * xf;
      a1 += m[o1 + f] * xf;
      a2 += m[o2 + f] * xf;
      a3 += m[o3 + f] * xf;
    }
    y[j] = s * a0;
    y[j + 1] = s * a1;
    y[j + 2] = s * a2;
    y[j + 3] = s * a3;
  }
  for (; j < k; j++) {
    const o = j * k;
    let a = 0;
    for (let f = 0; f < k; f++) a += m[o + f] * x[f];
    y[j] = s * a;
  }
}

/**
 * For the entries e in [from, to) of a row: s_e = f_e·v and out += (β + w_e(γ + δ·s_e))·f_e, with w_e = α·value_e
 * and f_e the fixed factor row of the entry's column. With (β, γ, δ) = (1, 1, −1) this adds Σ (c_e − (c_e − 1)s_e) f_e
 * (the residual's sparse part); with (0, 0, 1) it adds Σ (c_e − 1)(f_e·v) f_e (the sparse part of A·v). Entries go
 * eight, then four at a time so one pass over v and over out serves several factor rows.
 */
function accumulateEntries(
  fixed: Float32Array,
  indices: Int32Array,
  values: Float32Array,
  from: number,
  to: number,
  alpha: number,
  v: Float64Array,
  out: Float64Array,
  k: number,
  beta: number,
  gamma: number,
  delta: number,
): void {
  let e = from;
  for (; e + 8 <= to; e += 8) {
    const o0 = indices[e] * k;
    const o1 = indices[e + 1] * k;
    const o2 = indices[e + 2] * k;
    const o3 = indices[e + 3] * k;
    const o4 = indices[e + 4] * k;
    const o5 = indices[e + 5] * k;
    const o6 = indices[e + 6] * k;
    const o7 = indices[e + 7] * k;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let s4 = 0;
    let s5 = 0;
    let s6 = 0;
    let s7 = 0;
    for (let f = 0; f < k; f++) {
      const vf = v[f];
      s0 += fixed[o0 + f] * vf;
      s1 += fixed[o1 + f] * vf;
      s2 += fixed[o2 + f] * vf;
      s3 += fixed[o3 + f] * vf;
      s4 += fixed[o4 + f] * vf;
      s5 += fixed[o5 + f] * vf;
      s6 += fixed[o6 + f] * vf;
      s7 += fixed[o7 + f] * vf;
    }
    const c0 = beta + alpha * values[e] * (gamma + delta * s0);
    const c1 = beta + alpha * values[e + 1] * (gamma + delta * s1);
    const c2 = beta + alpha * values[e + 2] * (gamma + delta * s2);
    const c3 = beta + alpha * values[e + 3] * (gamma + delta * s3);
    const c4 = beta + alpha * values[e + 4] * (gamma + delta * s4);
    const c5 = beta + alpha * values[e + 5] * (gamma + delta * s5);
    const c6 = beta + alpha * values[e + 6] * (gamma + delta * s6);
    const c7 = beta + alpha * values[e + 7] * (gamma + delta * s7);
    for (let f = 0; f < k; f++) {
      out[f] +=
        c0 * fixed[o0 + f] + c1 * fixed[o1 + f] + c2 * fixed[o2 + f] + c3 * fixed[o3 + f] + c4 * fixed[o4 + f] + c5 * fixed[o5 + f] + c6 * fixed[o6 + f] + c7 * fixed[o7 + f];
    }
  }
  for (; e + 4 <= to; e += 4) {
    const o0 = indices[e] * k;
    const o1 = indices[e + 1] * k;
    const o2 = indices[e + 2] * k;
    const o3 = indices[e + 3] * k;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let f = 0; f < k; f++) {
      const vf = v[f];
      s0 += fixed[o0 + f] * vf;
      s1 += fixed[o1 + f] * vf;
      s2 += fixed[o2 + f] * vf;
      s3 += fixed[o3 + f] * vf;
    }
    const c0 = beta + alpha * values[e] * (gamma + delta * s0);
    const c1 = beta + alpha * values[e + 1] * (gamma + delta * s1);
    const c2 = beta + alpha * values[e + 2] * (gamma + delta * s2);
    const c3 = beta + alpha * values[e + 3] * (gamma + delta * s3);
    for (let f = 0; f < k; f++) out[f] += c0 * fixed[o0 + f] + c1 * fixed[o1 + f] + c2 * fixed[o2 + f] + c3 * fixed[o3 + f];
  }
  for (; e < to; e++) {
    const o = indices[e] * k;
    const s = dot(fixed, o, v, k);
    axpy(beta + alpha * values[e] * (gamma + delta * s), fixed, o, out, k);
  }
}

/** Σ_f m[o + f]·x[f], unrolled by four. */
function dot(m: Float32Array, o: number, x: Float64Array, k: number): number {
  const k4 = k - (k & 3);
  let a0 = 0;
  let a1 = 0;
  let a2 = 0;
  let a3 = 0;
  let f = 0;
  for (; f < k4; f += 4) {
    a0 += m[o + f] * x[f];
    a1 += m[o + f + 1] * x[f + 1];
    a2 += m[o + f + 2] * x[f + 2];
    a3 += m[o + f + 3] * x[f + 3];
  }
  for (; f < k; f++) a0 += m[o + f] * x[f];
  return a0 + a1 + a2 + a3;
}

/** y += a·m[o .. o + k). */
function axpy(a: number, m: Float32Array, o: number, y: Float64Array, k: number): void {
  const k4 = k - (k & 3);
  let f = 0;
  for (; f < k4; f += 4) {
    y[f] += a * m[o + f];
    y[f + 1] += a * m[o + f + 1];
    y[f + 2] += a * m[o + f + 2];
    y[f + 3] += a * m[o + f + 3];
  }
  for (; f < k; f++) y[f] += a * m[o + f];
}

function checkOptions(o: typeof ALS_DEFAULTS): void {
  const int = (name: string, v: number, min: number) => {
    if (!Number.isInteger(v) || v < min) throw new RangeError(`${name} must be an integer ≥ ${min}, got ${v}`);
  };
  int('factors', o.factors, 1);
  int('iterations', o.iterations, 0);
  int('cgSteps', o.cgSteps, 1);
  if (!(o.regularization >= 0)) throw new RangeError(`regularization must be ≥ 0, got ${o.regularization}`);
  if (!(o.alpha >= 0)) throw new RangeError(`alpha must be ≥ 0, got ${o.alpha}`);
  if (!(o.initScale > 0)) throw new RangeError(`initScale must be > 0, got ${o.initScale}`);
}

function checkValues(values: Float32Array): void {
  for (let e = 0; e < values.length; e++) {
    if (!(values[e] >= 0)) throw new RangeError(`ALS needs values ≥ 0 (confidence 1 + α·r), entry ${e} is ${values[e]}`);
  }
}
