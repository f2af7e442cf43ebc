// Implicit-feedback ALS (Hu, Koren, Volinsky 2008) solved per row by a few warm-started conjugate-gradient steps.
import { type InteractionMatrix } from '../matrix/interaction-matrix';
import { createRng } from '../random/rng';
import { AlsKernels, alsLayout, AlsWorkspace, taskPieces, taskUnits, type AlsSide, type AlsTask } from './als-kernels';
import { csrOf, transposeCsr } from './csr';
import { choleskySolve, gramMatrix, tridiagonalEigen } from './linalg';

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
   * Called after each full sweep with the 1-based iteration and the model so far. Its factor arrays are copies made
   * when first read, and may be expressed in a rotated basis until training returns (scores x·y and
   * {@link alsLoss} are unaffected).
   */
  onIteration?: (iteration: number, model: AlsModel) => void;
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

/**
 * Trains implicit-feedback ALS on `matrix` (values r_ui ≥ 0 of the observed entries) in this thread. Minimises
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
 * the eigenbasis of the Gram matrix (`tridiagonalEigen`): an orthogonal change of basis leaves scores, the objective
 * and the CG iterates unchanged (up to rounding) and makes every product with the Gram matrix cost k instead of k².
 * The returned factors are rotated back to the original basis.
 *
 * The row solves, Gram matrices and rotations run as WebAssembly SIMD kernels (`als-kernels.ts`): factors are
 * stored as float32, all arithmetic is float64. `AlsWorkerPool.train` runs the same kernels on worker threads and
 * gives bit-identical factors.
 *
 * Cost per iteration: O(nnz·k·(cgSteps + 1) + (nUsers + nItems)·k² · (cgSteps + 1 for a side solved against a dense
 * Gram matrix, 1 for a rotated side)); memory O(nnz + (nUsers + nItems)·k), in one WebAssembly memory of at most
 * 4 GiB. Deterministic given the seed (or `initial`): same inputs, bit-identical factors.
 */
export function trainAls(matrix: InteractionMatrix, options: AlsOptions = {}): AlsModel {
  const training = startAlsTraining(matrix, options, 1);
  const kernels = new AlsKernels(training.workspace.memory, training.workspace.layout);
  for (;;) {
    const next = training.tasks.next();
    if (next.done) return next.value;
    kernels.run(next.value, 0, taskUnits(training.workspace.layout, next.value), 0);
  }
}

/**
 * One ALS training, ready to run: its workspace (the kernels' memory, with the matrix and initial factors copied
 * in) and the sequence of parallel tasks to run on it, in order; each `next()` does the serial work between two
 * tasks (Gram reduction, eigen-decomposition, bookkeeping) and the generator returns the trained model. A driver
 * runs every unit of each task (in this thread, or split across threads) before asking for the next. The one
 * implementation of the algorithm behind {@link trainAls} and `AlsWorkerPool.train`.
 */
export interface AlsTraining {
  readonly workspace: AlsWorkspace;
  readonly tasks: Generator<AlsTask, AlsModel, undefined>;
  /** Piece boundaries of a task for `pieces` threads' worth of claims (cached per task shape). */
  pieces(task: AlsTask, pieces: number): readonly number[];
}

/** Checks the options, lays out and fills the workspace (scratch for `threads` threads) and starts the task sequence. */
export function startAlsTraining(matrix: InteractionMatrix, options: AlsOptions, threads: number): AlsTraining {
  const o = { ...ALS_DEFAULTS, ...options };
  checkOptions(o);
  const k = o.factors;
  const users = csrOf(matrix);
  checkValues(users.values);
  const items = transposeCsr(users);
  const layout = alsLayout(matrix.nUsers, matrix.nItems, users.indptr[users.nRows], k, threads);
  const workspace = new AlsWorkspace(layout);
  workspace.writeRows('users', users);
  workspace.writeRows('items', items);
  if (o.initial) {
    if (o.initial.userFactors.length !== matrix.nUsers * k || o.initial.itemFactors.length !== matrix.nItems * k) {
      throw new RangeError(`initial factors must be ${matrix.nUsers}×${k} and ${matrix.nItems}×${k}`);
    }
    workspace.writeFactors('users', o.initial.userFactors);
    workspace.writeFactors('items', o.initial.itemFactors);
  } else {
    const rng = createRng(o.seed);
    const draw = (n: number) => {
      const f = new Float32Array(n);
      for (let j = 0; j < n; j++) f[j] = o.initScale * rng.normal();
      return f;
    };
    workspace.writeFactors('users', draw(matrix.nUsers * k));
    workspace.writeFactors('items', draw(matrix.nItems * k));
  }
  const cache = new Map<string, readonly number[]>();
  return {
    workspace,
    tasks: alsTasks(workspace, o),
    pieces(task, pieces) {
      const key = task.kind === 'solve' ? `${task.kind}:${task.side}:${task.diagonal}:${pieces}` : `${task.kind}:${task.kind === 'gram' ? task.side : ''}:${pieces}`;
      let bounds = cache.get(key);
      if (!bounds) {
        bounds = taskPieces(layout, task, pieces, task.kind === 'solve' ? workspace.indptr(task.side) : undefined);
        cache.set(key, bounds);
      }
      return bounds;
    },
  };
}

/** The ALS iterations as a sequence of kernel tasks (see {@link AlsTraining}). */
function* alsTasks(workspace: AlsWorkspace, o: typeof ALS_DEFAULTS & AlsOptions): Generator<AlsTask, AlsModel, undefined> {
  const { k, nUsers, nItems } = workspace.layout;
  const gram = new Float64Array(k * k);
  const basis = new BasisTracker(k);
  const rotate: AlsTask = { kind: 'rotate' };
  const snapshot = (): AlsModel => {
    let users: Float32Array | undefined;
    let items: Float32Array | undefined;
    return {
      factors: k,
      nUsers,
      nItems,
      get userFactors() {
        return (users ??= workspace.readFactors('users'));
      },
      get itemFactors() {
        return (items ??= workspace.readFactors('items'));
      },
      regularization: o.regularization,
      alpha: o.alpha,
    };
  };
  function* halfSweep(side: AlsSide): Generator<AlsTask, void, undefined> {
    const fixed: AlsSide = side === 'users' ? 'items' : 'users';
    const [nTarget, nFixed] = side === 'users' ? [nUsers, nItems] : [nItems, nUsers];
    yield { kind: 'gram', side: fixed };
    workspace.reduceGram(fixed, o.regularization, gram);
    if (basis.worthRotating(nTarget, nFixed, o.cgSteps)) {
      // Rotate both sides into the eigenbasis of the Gram matrix: scores and the objective are unchanged, the
      // iterates of CG are the same rotated, and every product with the Gram matrix costs k instead of k².
      const { values, vectors } = tridiagonalEigen(gram, k);
      // New coordinates x'_j = x·v_j: M = the matrix whose rows are the eigenvectors.
      workspace.writeSquare(workspace.layout.rotation, vectors);
      yield rotate;
      basis.compose(vectors);
      workspace.writeDiagonal(values);
      yield { kind: 'solve', side, diagonal: true, alpha: o.alpha, cgSteps: o.cgSteps };
    } else {
      workspace.writeSquare(workspace.layout.gram, gram);
      yield { kind: 'solve', side, diagonal: false, alpha: o.alpha, cgSteps: o.cgSteps };
    }
  }
  for (let it = 1; it <= o.iterations; it++) {
    yield* halfSweep('users');
    yield* halfSweep('items');
    o.onIteration?.(it, snapshot());
  }
  if (basis.rotated) {
    // Back to the original basis: x_a = Σ_j x'_j R[a][j], i.e. M = R.
    workspace.writeSquare(workspace.layout.rotation, basis.rotation);
    yield rotate;
  }
  const userFactors = workspace.readFactors('users');
  const itemFactors = workspace.readFactors('items');
  return { factors: k, nUsers, nItems, userFactors, itemFactors, regularization: o.regularization, alpha: o.alpha };
}

/**
 * The common orthogonal basis the factors are kept in during training. Rotating user and item factors by the same
 * orthogonal R leaves every score x·y, and so the objective, unchanged; in the eigenbasis of a Gram matrix G that
 * matrix is diagonal. Rotating costs k² per factor row, once, against (cgSteps + 1)·k² per solved row for the
 * products with a dense G, so it pays off for the side with many more rows than the other (items, usually).
 */
class BasisTracker {
  /** Accumulated rotation: the factors are original·R. Identity until the first rotation. */
  readonly rotation: Float64Array;
  rotated = false;

  constructor(private readonly k: number) {
    this.rotation = new Float64Array(k * k);
    for (let f = 0; f < k; f++) this.rotation[f * k + f] = 1;
  }

  /** Whether solving `nTarget` rows against `nFixed` fixed rows is cheaper after a rotation (in k² units). */
  worthRotating(nTarget: number, nFixed: number, cgSteps: number): boolean {
    // The eigen-decomposition (~7k³ flops, in JavaScript) counts as 10k rows.
    return nTarget + nFixed + 10 * this.k < (cgSteps + 1) * nTarget;
  }

  /** Records that the factors were rotated by the matrix whose rows are the eigenvectors `vectors` (k×k). */
  compose(vectors: Float64Array): void {
    const k = this.k;
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
