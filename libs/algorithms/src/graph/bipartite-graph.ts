// The pin ↔ board bipartite graph for random walks: CSR adjacency both ways, with an append buffer for new saves.
import { type InteractionMatrix } from '../matrix/interaction-matrix';

/**
 * A read-only snapshot of the adjacency of a {@link BipartiteGraph}: pin p's boards are
 * `pinBoards[pinIndptr[p] .. pinIndptr[p+1]-1]` and board b's pins `boardPins[boardIndptr[b] .. boardIndptr[b+1]-1]`,
 * both ascending and without duplicates.
 */
export interface GraphAdjacency {
  readonly nPins: number;
  readonly nBoards: number;
  readonly pinIndptr: Int32Array;
  readonly pinBoards: Int32Array;
  readonly boardIndptr: Int32Array;
  readonly boardPins: Int32Array;
  /** The largest number of boards of one pin (0 for an empty graph). */
  readonly maxPinDegree: number;
}

/**
 * The edges of a {@link BipartiteGraph} as a walk reads them, without merging pending edges: the merged CSR (`csr`)
 * plus, per node, the edges added since the last merge (`pinExtra.get(p)`, `boardExtra.get(b)`, in arrival order;
 * `pinExtraCount[p]` / `boardExtraCount[b]` say how many, 0 for most nodes, and nodes beyond those arrays have none).
 * Node p's neighbours are its CSR row followed by its extra list. Valid until the graph's next update.
 */
export interface GraphWalkView {
  readonly csr: GraphAdjacency;
  /** Pins and boards counting those only known from pending edges. */
  readonly nPins: number;
  readonly nBoards: number;
  /** The largest number of boards of one pin, pending edges included. */
  readonly maxPinDegree: number;
  readonly pinExtraCount: Int32Array;
  readonly boardExtraCount: Int32Array;
  readonly pinExtra: ReadonlyMap<number, readonly number[]>;
  readonly boardExtra: ReadonlyMap<number, readonly number[]>;
}

/** Options of {@link BipartiteGraph}. */
export interface BipartiteGraphOptions {
  /**
   * Pending edges are merged into the CSR once there are more than max(`minMerge`, edges × `mergeFraction`) of them
   * (defaults 4096 and 1/8), so a merge, O(E + P + B), happens once per E/8 new edges: O(1) amortised per edge.
   */
  minMerge?: number;
  mergeFraction?: number;
}

/**
 * An undirected bipartite graph of pins and boards (an edge: the pin was saved to the board), held as CSR in
 * both directions over typed arrays: 4 bytes per edge per direction plus 4 bytes per node. For datasets without
 * boards, users play the boards (see {@link BipartiteGraph.fromInteractions}). Repeated edges count once.
 *
 * Updates: {@link addEdges} checks each edge against the graph (a binary search of the pin's CSR row and a set of its
 * pending boards), appends new ones to per-node pending lists that walks read at once ({@link walkView}), and merges
 * the pending edges into the CSR when they exceed a fraction of the graph (see {@link BipartiteGraphOptions}): one
 * merge costs O(E + P + B + b log b) for E edges, P pins, B boards and b pending edges, so an edge costs O(1) amortised
 * and no read waits for a merge. The CSR accessors ({@link adjacency}, degrees, neighbours) merge pending edges first.
 * Ids beyond the current counts grow the graph.
 */
export class BipartiteGraph {
  private adj: GraphAdjacency;
  private bufPins = new Int32Array(256);
  private bufBoards = new Int32Array(256);
  private buffered = 0;
  private pinExtra = new Map<number, number[]>();
  private boardExtra = new Map<number, number[]>();
  private pendingBoardsOf = new Map<number, Set<number>>();
  private pinExtraCount: Int32Array = new Int32Array(0);
  private boardExtraCount: Int32Array = new Int32Array(0);
  private nPinsAll: number;
  private nBoardsAll: number;
  private maxDegreeAll: number;
  private readonly minMerge: number;
  private readonly mergeFraction: number;

  /** An empty graph with `nPins` pins and `nBoards` boards (both may grow as edges are added). */
  constructor(nPins = 0, nBoards = 0, opts: BipartiteGraphOptions = {}) {
    checkCount(nPins, 'nPins');
    checkCount(nBoards, 'nBoards');
    this.adj = {
      nPins,
      nBoards,
      pinIndptr: new Int32Array(nPins + 1),
      pinBoards: new Int32Array(0),
      boardIndptr: new Int32Array(nBoards + 1),
      boardPins: new Int32Array(0),
      maxPinDegree: 0,
    };
    this.nPinsAll = nPins;
    this.nBoardsAll = nBoards;
    this.maxDegreeAll = 0;
    this.minMerge = opts.minMerge ?? 4096;
    this.mergeFraction = opts.mergeFraction ?? 1 / 8;
    if (!(this.minMerge >= 0) || !(this.mergeFraction >= 0)) throw new RangeError('minMerge and mergeFraction must be ≥ 0');
  }

  /** The graph of the edges (pins[e], boards[e]), with at least `nPins` pins and `nBoards` boards. O(E log E) at worst. */
  static fromEdges(pins: ArrayLike<number>, boards: ArrayLike<number>, nPins = 0, nBoards = 0): BipartiteGraph {
    const g = new BipartiteGraph(nPins, nBoards);
    g.merge(pins, boards, pins.length);
    return g;
  }

  /**
   * The graph of a user × item matrix for datasets without boards: items are the pins, users the boards (a user's
   * history is one board), one edge per stored entry; pin and board indexes are the matrix's item and user
   * indexes. O(nnz).
   */
  static fromInteractions(m: InteractionMatrix): BipartiteGraph {
    const g = new BipartiteGraph(m.nItems, m.nUsers);
    const boards = new Int32Array(m.indices.length);
    for (let u = 0; u < m.nUsers; u++) boards.fill(u, m.indptr[u], m.indptr[u + 1]);
    g.merge(m.indices, boards, boards.length);
    return g;
  }

  /**
   * Adds the edges (pins[e], boards[e]) that are not in the graph yet; walks see them at once. Amortised O(log d) per
   * edge for a pin of d boards (see the class comment for the merges).
   */
  addEdges(pins: ArrayLike<number>, boards: ArrayLike<number>): void {
    if (pins.length !== boards.length) throw new RangeError(`pins has ${pins.length} entries, boards ${boards.length}`);
    for (let e = 0; e < pins.length; e++) {
      const p = pins[e];
      const b = boards[e];
      checkNode(p, 'pin');
      checkNode(b, 'board');
      if (this.hasEdge(p, b)) continue;
      this.addPending(p, b);
    }
    if (this.buffered > Math.max(this.minMerge, this.adj.pinIndptr[this.adj.nPins] * this.mergeFraction)) this.compact();
  }

  /** True when the edge (pin `p`, board `b`) is in the graph, merged or pending. O(log d + 1). */
  hasEdge(p: number, b: number): boolean {
    const a = this.adj;
    if (p < a.nPins) {
      let lo = a.pinIndptr[p];
      let hi = a.pinIndptr[p + 1];
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        const x = a.pinBoards[mid];
        if (x === b) return true;
        if (x < b) lo = mid + 1;
        else hi = mid;
      }
    }
    return this.pendingBoardsOf.get(p)?.has(b) ?? false;
  }

  /** Distinct edges added and not merged into the CSR yet. */
  get pendingEdges(): number {
    return this.buffered;
  }

  /** Number of pins (merging pending edges first). */
  get nPins(): number {
    return this.adjacency().nPins;
  }

  /** Number of boards (merging pending edges first). */
  get nBoards(): number {
    return this.adjacency().nBoards;
  }

  /** Number of distinct edges (merging pending edges first). */
  get nEdges(): number {
    const a = this.adjacency();
    return a.pinIndptr[a.nPins];
  }

  /** The current adjacency, merging pending edges first. The snapshot stays valid (unchanged) after later updates. */
  adjacency(): GraphAdjacency {
    if (this.buffered > 0) this.compact();
    return this.adj;
  }

  /** The current edges without a merge: the CSR plus the pending edges of each node (see {@link GraphWalkView}). O(1). */
  walkView(): GraphWalkView {
    return {
      csr: this.adj,
      nPins: this.nPinsAll,
      nBoards: this.nBoardsAll,
      maxPinDegree: this.maxDegreeAll,
      pinExtraCount: this.pinExtraCount,
      boardExtraCount: this.boardExtraCount,
      pinExtra: this.pinExtra,
      boardExtra: this.boardExtra,
    };
  }

  /** The boards of pin `p`, ascending (a view). */
  boardsOf(p: number): Int32Array {
    const a = this.adjacency();
    if (!(p >= 0 && p < a.nPins)) return new Int32Array(0);
    return a.pinBoards.subarray(a.pinIndptr[p], a.pinIndptr[p + 1]);
  }

  /** The pins of board `b`, ascending (a view). */
  pinsOf(b: number): Int32Array {
    const a = this.adjacency();
    if (!(b >= 0 && b < a.nBoards)) return new Int32Array(0);
    return a.boardPins.subarray(a.boardIndptr[b], a.boardIndptr[b + 1]);
  }

  /**
   * Merges the pending edges into the CSR arrays: they are bucketed by pin, each pin's new boards sorted and merged
   * with its old ones without duplicates, and the board → pin direction rebuilt by a counting sort (so its rows come
   * out ascending). O(E + P + B + b log b). New arrays are allocated: earlier snapshots stay as they were.
   */
  compact(): void {
    if (this.buffered === 0) return;
    this.merge(this.bufPins, this.bufBoards, this.buffered);
    this.buffered = 0;
    for (const p of this.pinExtra.keys()) this.pinExtraCount[p] = 0;
    for (const b of this.boardExtra.keys()) this.boardExtraCount[b] = 0;
    this.pinExtra = new Map();
    this.boardExtra = new Map();
    this.pendingBoardsOf = new Map();
  }

  private addPending(p: number, b: number): void {
    if (this.buffered === this.bufPins.length) {
      const size = 2 * this.bufPins.length;
      const pins = new Int32Array(size);
      pins.set(this.bufPins);
      const boards = new Int32Array(size);
      boards.set(this.bufBoards);
      this.bufPins = pins;
      this.bufBoards = boards;
    }
    this.bufPins[this.buffered] = p;
    this.bufBoards[this.buffered] = b;
    this.buffered++;
    if (p >= this.nPinsAll) this.nPinsAll = p + 1;
    if (b >= this.nBoardsAll) this.nBoardsAll = b + 1;
    if (p >= this.pinExtraCount.length) this.pinExtraCount = grown(this.pinExtraCount, p + 1);
    if (b >= this.boardExtraCount.length) this.boardExtraCount = grown(this.boardExtraCount, b + 1);
    let boards = this.pinExtra.get(p);
    if (boards === undefined) {
      this.pinExtra.set(p, (boards = []));
      this.pendingBoardsOf.set(p, new Set());
    }
    boards.push(b);
    this.pendingBoardsOf.get(p)?.add(b);
    let pins = this.boardExtra.get(b);
    if (pins === undefined) this.boardExtra.set(b, (pins = []));
    pins.push(p);
    this.pinExtraCount[p]++;
    this.boardExtraCount[b]++;
    const a = this.adj;
    const degree = (p < a.nPins ? a.pinIndptr[p + 1] - a.pinIndptr[p] : 0) + this.pinExtraCount[p];
    if (degree > this.maxDegreeAll) this.maxDegreeAll = degree;
  }

  /** Merges `n` edges (pins[e], boards[e]) into the CSR (see {@link compact}). */
  private merge(bufPins: ArrayLike<number>, bufBoards: ArrayLike<number>, n: number): void {
    const old = this.adj;
    let nPins = Math.max(old.nPins, this.nPinsAll);
    let nBoards = Math.max(old.nBoards, this.nBoardsAll);
    for (let e = 0; e < n; e++) {
      checkNode(bufPins[e], 'pin');
      checkNode(bufBoards[e], 'board');
      if (bufPins[e] >= nPins) nPins = bufPins[e] + 1;
      if (bufBoards[e] >= nBoards) nBoards = bufBoards[e] + 1;
    }
    // Bucket the new edges by pin.
    const bufPtr = new Int32Array(nPins + 1);
    for (let e = 0; e < n; e++) bufPtr[bufPins[e] + 1]++;
    for (let p = 0; p < nPins; p++) bufPtr[p + 1] += bufPtr[p];
    const next = bufPtr.slice(0, nPins);
    const bufRows = new Int32Array(n);
    for (let e = 0; e < n; e++) bufRows[next[bufPins[e]]++] = bufBoards[e];
    // Merge pin rows.
    const pinIndptr = new Int32Array(nPins + 1);
    let pinBoards = new Int32Array(old.pinBoards.length + n);
    let size = 0;
    let maxPinDegree = 0;
    for (let p = 0; p < nPins; p++) {
      const added = bufRows.subarray(bufPtr[p], bufPtr[p + 1]).sort();
      let x = p < old.nPins ? old.pinIndptr[p] : 0;
      const xEnd = p < old.nPins ? old.pinIndptr[p + 1] : 0;
      let y = 0;
      const start = size;
      while (x < xEnd || y < added.length) {
        let b: number;
        if (y >= added.length || (x < xEnd && old.pinBoards[x] <= added[y])) b = old.pinBoards[x++];
        else b = added[y++];
        if (size === start || pinBoards[size - 1] !== b) pinBoards[size++] = b;
      }
      pinIndptr[p + 1] = size;
      if (size - start > maxPinDegree) maxPinDegree = size - start;
    }
    if (size < pinBoards.length) pinBoards = pinBoards.slice(0, size);
    // Board rows by transposition.
    const boardIndptr = new Int32Array(nBoards + 1);
    for (let e = 0; e < size; e++) boardIndptr[pinBoards[e] + 1]++;
    for (let b = 0; b < nBoards; b++) boardIndptr[b + 1] += boardIndptr[b];
    const fill = boardIndptr.slice(0, nBoards);
    const boardPins = new Int32Array(size);
    for (let p = 0; p < nPins; p++) {
      for (let e = pinIndptr[p]; e < pinIndptr[p + 1]; e++) boardPins[fill[pinBoards[e]]++] = p;
    }
    this.adj = { nPins, nBoards, pinIndptr, pinBoards, boardIndptr, boardPins, maxPinDegree };
    this.nPinsAll = nPins;
    this.nBoardsAll = nBoards;
    this.maxDegreeAll = maxPinDegree;
  }
}

function grown(a: Int32Array, min: number): Int32Array {
  const next = new Int32Array(Math.max(min, 2 * a.length, 64));
  next.set(a);
  return next;
}

function checkNode(id: number, what: string): void {
  if (!Number.isInteger(id) || id < 0 || id > 0x7fffffff) throw new RangeError(`${what} ${id} is not a non-negative integer`);
}

function checkCount(n: number, name: string): void {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`${name} must be a non-negative integer, got ${n}`);
}
