// Pixie random walks with restarts on the pin–board graph: multi-pin queries, step allocation, early stopping.
import { TopCandidates } from '../cf/top-candidates';
import { type BipartiteGraph, type GraphAdjacency, type GraphWalkView } from './bipartite-graph';

/** A walk query: the pins to start from (e.g. a user's recent saves) with a non-negative weight each (default 1). */
export interface PixieQuery {
  readonly pins: ArrayLike<number>;
  readonly weights?: ArrayLike<number>;
}

/** Options of a Pixie walk. */
export interface PixieWalkOptions {
  /** Step budget N over all query pins: one step is a pin → board → pin hop. A non-negative integer. */
  totalSteps: number;
  /**
   * Restart probability α in (0, 1]: each walk from a query pin has a geometric length with mean 1/α steps, after
   * which it restarts at the query pin. Default {@link PIXIE_DEFAULTS}.restartProbability (0.5: walks of 2 steps
   * on average, so visits stay within a few hops of the query).
   */
  restartProbability?: number;
  /** Early stopping: a query pin's walk stops once `np` pins have at least `nv` visits. Default 2000; Infinity disables. */
  np?: number;
  /** Visits that make a pin count towards `np`. Default 4. */
  nv?: number;
  /** Seed of the walk: same graph, query, options and seed → same visits. */
  seed: number;
  /**
   * Allocate the steps in proportion to weight × the paper's degree scaling (default true) rather than to the
   * weight alone. See {@link PixieWalker}.
   */
  degreeBias?: boolean;
}

/** Options of {@link PixieWalker.walk} and {@link pixieWalk}. */
export interface PixieTopOptions extends PixieWalkOptions {
  /** How many pins to return. Default 100. */
  topN?: number;
  /** Leave the query pins out of the result (default true: they are what the user already has). */
  excludeQuery?: boolean;
}

/** What a walk did. */
export interface PixieWalkStats {
  /** Steps walked in total (≤ totalSteps; fewer when early stopping cut walks short). */
  steps: number;
  /** Whether early stopping ended the walk of at least one query pin. */
  stoppedEarly: boolean;
  /** Distinct pins visited. */
  visited: number;
  /** Steps allocated to each query pin, in query order (0 for a pin without boards or with weight 0). */
  allocated: Int32Array;
}

/** The result of {@link pixieWalk}: the best pins by combined visit score, best first. */
export interface PixieResult extends PixieWalkStats {
  pins: Int32Array;
  scores: Float32Array;
}

/**
 * Math functions bound once: inside a `vm` context (jest, other sandboxes) every read of the global `Math` is a slow
 * property look-up on the sandbox's global object, which made the walk ~30× slower there.
 */
const { imul, floor, log, sqrt } = Math;

/** Defaults of {@link PixieWalkOptions} and {@link PixieTopOptions}. */
export const PIXIE_DEFAULTS = Object.freeze({ restartProbability: 0.5, np: 2000, nv: 4, degreeBias: true, topN: 100 });

/**
 * Pixie random walks (Eksombatchai et al., "Pixie: A System for Recommending 3+ Billion Items to 200+ Million
 * Users in Real-Time", WWW 2018) over a {@link BipartiteGraph}, with buffers reused across queries (O(P) memory).
 *
 * - Walks: from query pin q, repeat: draw a length L ~ Geometric(α) (mean 1/α), then L times step to a uniformly
 *   random board of the current pin and a uniformly random pin of that board, counting a visit to it; until q's
 *   step budget N_q is spent or early stopping fires (np pins with ≥ nv visits in q's own counts).
 * - Multiple query pins (the paper's §3.2): N_q = N · w_q·s_q / Σ_r w_r·s_r, rounded by largest remainder so the
 *   budgets sum to N, with the degree scaling s_q = d_q·(C − ln d_q), d_q the number of boards of q and C the
 *   largest pin degree of the graph: a better-connected pin needs more steps to explore its neighbourhood, and
 *   the log term makes the growth slightly sublinear. With `degreeBias: false`, s_q = 1 for every pin with a board.
 *   Pins without boards get no steps.
 * - Combination: the score of pin p is (Σ_q √V_q[p])², which favours pins reached from several query pins over
 *   pins visited as often from one.
 *
 * Time O(N + Σ visited + |Q| log |Q|) per query, independent of the graph's size (apart from the buffers).
 * Deterministic given the seed (mulberry32).
 */
export class PixieWalker {
  private visits = new Int32Array(0);
  private touched = new Int32Array(0);
  private acc = new Float64Array(0);
  private accTouched = new Int32Array(0);
  private marks = new Uint8Array(0);
  private nAcc = 0;
  private best: TopCandidates | undefined;

  constructor(private readonly graph: BipartiteGraph) {}

  /** The `topN` pins by combined visit score (query pins excluded unless asked), with what the walk did. */
  walk(query: PixieQuery, opts: PixieTopOptions): PixieResult {
    const topN = opts.topN ?? PIXIE_DEFAULTS.topN;
    if (!Number.isInteger(topN) || topN < 1) throw new RangeError(`topN must be a positive integer, got ${topN}`);
    const stats = this.run(query, opts);
    const exclude = opts.excludeQuery ?? true;
    if (exclude) for (let q = 0; q < query.pins.length; q++) if (query.pins[q] < this.marks.length) this.marks[query.pins[q]] = 1;
    if (this.best === undefined || this.best.k !== topN) this.best = new TopCandidates(topN);
    const best = this.best;
    for (let t = 0; t < this.nAcc; t++) {
      const p = this.accTouched[t];
      if (!this.marks[p]) best.push(p, this.acc[p] * this.acc[p]);
      this.acc[p] = 0;
    }
    if (exclude) for (let q = 0; q < query.pins.length; q++) if (query.pins[q] < this.marks.length) this.marks[query.pins[q]] = 0;
    this.nAcc = 0;
    const pins = new Int32Array(best.length);
    const scores = new Float32Array(best.length);
    best.drain(pins, scores);
    return { ...stats, pins, scores };
  }

  /**
   * Writes the combined visit score of every pin into `out` (length ≥ the graph's pin count; 0 for pins not
   * visited, query pins included) and returns what the walk did. O(P) for clearing `out` plus the walk.
   */
  scoreAll(query: PixieQuery, opts: PixieWalkOptions, out: Float32Array): PixieWalkStats {
    const stats = this.run(query, opts);
    if (out.length < this.acc.length) throw new RangeError(`out has length ${out.length}, the graph has ${this.acc.length} pins`);
    out.fill(0);
    for (let t = 0; t < this.nAcc; t++) {
      const p = this.accTouched[t];
      out[p] = this.acc[p] * this.acc[p];
      this.acc[p] = 0;
    }
    this.nAcc = 0;
    return stats;
  }

  /** Runs the walks, leaving √-summed visits in `acc` over the pins of `accTouched`. */
  private run(query: PixieQuery, opts: PixieWalkOptions): PixieWalkStats {
    const { totalSteps, seed } = opts;
    const alpha = opts.restartProbability ?? PIXIE_DEFAULTS.restartProbability;
    const np = opts.np ?? PIXIE_DEFAULTS.np;
    const nv = opts.nv ?? PIXIE_DEFAULTS.nv;
    if (!Number.isInteger(totalSteps) || totalSteps < 0) throw new RangeError(`totalSteps must be a non-negative integer, got ${totalSteps}`);
    if (!(alpha > 0 && alpha <= 1)) throw new RangeError(`restartProbability must be in (0, 1], got ${alpha}`);
    if (!(np >= 1)) throw new RangeError(`np must be ≥ 1 (Infinity disables early stopping), got ${np}`);
    if (!Number.isInteger(nv) || nv < 1) throw new RangeError(`nv must be a positive integer, got ${nv}`);
    if (!Number.isFinite(seed)) throw new RangeError(`seed must be a finite number, got ${seed}`);
    const view = this.graph.walkView();
    const g = view.csr;
    this.ensureCapacity(view.nPins);
    const allocated = allocateByDegree((p) => degreeIn(view, p), view.maxPinDegree, query, totalSteps, opts.degreeBias ?? PIXIE_DEFAULTS.degreeBias);

    // mulberry32 (see random/rng.ts), inlined: two draws per step make the call the largest cost of a step.
    let state = Math.trunc(seed) | 0;
    const logKeep = alpha < 1 ? log(1 - alpha) : 0;
    const { pinIndptr, pinBoards, boardIndptr, boardPins } = g;
    const csrPins = g.nPins;
    const csrBoards = g.nBoards;
    const { pinExtraCount, boardExtraCount, pinExtra, boardExtra } = view;
    const nPinExtra = pinExtraCount.length;
    const nBoardExtra = boardExtraCount.length;
    const { visits, touched, acc, accTouched } = this;
    let steps = 0;
    let stoppedEarly = false;
    for (let q = 0; q < allocated.length; q++) {
      const budget = allocated[q];
      if (budget === 0) continue;
      const start = query.pins[q];
      let nt = 0;
      let done = 0;
      let high = 0;
      walks: while (done < budget) {
        // Geometric length on {1, 2, ...} with mean 1/α, by inversion (1 − U lies in (0, 1]).
        let length = 1;
        if (alpha < 1) {
          state = (state + 0x6d2b79f5) | 0;
          let t = imul(state ^ (state >>> 15), state | 1);
          t ^= t + imul(t ^ (t >>> 7), t | 61);
          length = 1 + floor(log(1 - ((t ^ (t >>> 14)) >>> 0) / 4294967296) / logKeep);
        }
        let pin = start;
        for (let i = 0; i < length && done < budget; i++) {
          // A uniformly random board of the pin: its CSR row, then its pending boards.
          const b0 = pin < csrPins ? pinIndptr[pin] : 0;
          const bDeg = pin < csrPins ? pinIndptr[pin + 1] - b0 : 0;
          const bExtra = pin < nPinExtra ? pinExtraCount[pin] : 0;
          state = (state + 0x6d2b79f5) | 0;
          let t = imul(state ^ (state >>> 15), state | 1);
          t ^= t + imul(t ^ (t >>> 7), t | 61);
          let r = floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * (bDeg + bExtra));
          const board = r < bDeg ? pinBoards[b0 + r] : (pinExtra.get(pin) as readonly number[])[r - bDeg];
          // A uniformly random pin of that board, likewise.
          const p0 = board < csrBoards ? boardIndptr[board] : 0;
          const pDeg = board < csrBoards ? boardIndptr[board + 1] - p0 : 0;
          const pExtra = board < nBoardExtra ? boardExtraCount[board] : 0;
          state = (state + 0x6d2b79f5) | 0;
          t = imul(state ^ (state >>> 15), state | 1);
          t ^= t + imul(t ^ (t >>> 7), t | 61);
          r = floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * (pDeg + pExtra));
          pin = r < pDeg ? boardPins[p0 + r] : (boardExtra.get(board) as readonly number[])[r - pDeg];
          if (visits[pin] === 0) touched[nt++] = pin;
          const v = ++visits[pin];
          done++;
          if (v === nv && ++high >= np) {
            stoppedEarly = true;
            break walks;
          }
        }
      }
      steps += done;
      for (let t = 0; t < nt; t++) {
        const p = touched[t];
        if (acc[p] === 0) accTouched[this.nAcc++] = p;
        acc[p] += sqrt(visits[p]);
        visits[p] = 0;
      }
    }
    return { steps, stoppedEarly, visited: this.nAcc, allocated };
  }

  private ensureCapacity(nPins: number): void {
    if (this.visits.length >= nPins) return;
    this.visits = new Int32Array(nPins);
    this.touched = new Int32Array(nPins);
    this.acc = new Float64Array(nPins);
    this.accTouched = new Int32Array(nPins);
    this.marks = new Uint8Array(nPins);
  }
}

/** One Pixie walk on `graph` (see {@link PixieWalker}; reuse a walker to avoid reallocating its buffers per query). */
export function pixieWalk(graph: BipartiteGraph, query: PixieQuery, opts: PixieTopOptions): PixieResult {
  return new PixieWalker(graph).walk(query, opts);
}

/**
 * The step budget of each query pin: N · w_q·s_q / Σ_r w_r·s_r rounded by largest remainder (ties to the earlier
 * query pin), so the budgets sum to N whenever some pin can walk; all 0 otherwise.
 */
export function allocateSteps(g: GraphAdjacency, query: PixieQuery, totalSteps: number, degreeBias: boolean): Int32Array {
  return allocateByDegree((p) => (p < g.nPins ? g.pinIndptr[p + 1] - g.pinIndptr[p] : 0), g.maxPinDegree, query, totalSteps, degreeBias);
}

/** The number of boards of pin `p` in a walk view, pending edges included. */
function degreeIn(view: GraphWalkView, p: number): number {
  const g = view.csr;
  return (p < g.nPins ? g.pinIndptr[p + 1] - g.pinIndptr[p] : 0) + (p < view.pinExtraCount.length ? view.pinExtraCount[p] : 0);
}

/** {@link allocateSteps} for any degree function, `c` the largest pin degree of the graph. */
function allocateByDegree(degree: (p: number) => number, c: number, query: PixieQuery, totalSteps: number, degreeBias: boolean): Int32Array {
  const n = query.pins.length;
  if (query.weights && query.weights.length !== n) throw new RangeError(`query has ${n} pins and ${query.weights.length} weights`);
  const share = new Float64Array(n);
  let sum = 0;
  for (let q = 0; q < n; q++) {
    const p = query.pins[q];
    if (!Number.isInteger(p) || p < 0) throw new RangeError(`query pin ${p} is not a non-negative integer`);
    const w = query.weights ? query.weights[q] : 1;
    if (!(w >= 0 && Number.isFinite(w))) throw new RangeError(`query weight ${w} must be a finite number ≥ 0`);
    const d = degree(p);
    const s = d === 0 ? 0 : degreeBias ? d * (c - Math.log(d)) : 1;
    share[q] = w * s;
    sum += share[q];
  }
  const out = new Int32Array(n);
  if (!(sum > 0) || totalSteps === 0) return out;
  let given = 0;
  const frac = new Float64Array(n);
  for (let q = 0; q < n; q++) {
    const exact = (totalSteps * share[q]) / sum;
    out[q] = Math.floor(exact);
    frac[q] = exact - out[q];
    given += out[q];
  }
  const order = Array.from({ length: n }, (_, q) => q)
    .filter((q) => share[q] > 0)
    .sort((a, b) => frac[b] - frac[a] || a - b);
  for (let r = 0; given < totalSteps && order.length > 0; r = (r + 1) % order.length) {
    out[order[r]]++;
    given++;
  }
  return out;
}
