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
 * An undirected bipartite graph of pins and boards (an edge: the pin was saved to the board), held as CSR in
 * both directions over typed arrays: 4 bytes per edge per direction plus 4 bytes per node. For datasets without
 * boards, users play the boards (see {@link BipartiteGraph.fromInteractions}). Repeated edges count once.
 *
 * Updates: {@link addEdges} appends to a buffer (amortised O(1) per edge, 8 bytes each) and the buffer is merged
 * into the CSR on demand, at the next read ({@link adjacency}, the degree and neighbour accessors) or an explicit
 * {@link compact}: one merge costs O(E + P + B + b log b) for E edges, P pins, B boards and b buffered edges, so a
 * burst of saves between two walks costs one rebuild. Ids beyond the current counts grow the graph.
 */
export class BipartiteGraph {
  private adj: GraphAdjacency;
  private bufPins = new Int32Array(256);
  private bufBoards = new Int32Array(256);
  private buffered = 0;

  /** An empty graph with `nPins` pins and `nBoards` boards (both may grow as edges are added). */
  constructor(nPins = 0, nBoards = 0) {
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
  }

  /** The graph of the edges (pins[e], boards[e]), with at least `nPins` pins and `nBoards` boards. O(E log E) at worst. */
  static fromEdges(pins: ArrayLike<number>, boards: ArrayLike<number>, nPins = 0, nBoards = 0): BipartiteGraph {
    const g = new BipartiteGraph(nPins, nBoards);
    g.addEdges(pins, boards);
    g.compact();
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
    g.addEdges(m.indices, boards);
    g.compact();
    return g;
  }

  /** Appends edges (pins[e], boards[e]) to the update buffer; they take effect at the next read. */
  addEdges(pins: ArrayLike<number>, boards: ArrayLike<number>): void {
    if (pins.length !== boards.length) throw new RangeError(`pins has ${pins.length} entries, boards ${boards.length}`);
    const need = this.buffered + pins.length;
    if (need > this.bufPins.length) {
      const size = Math.max(need, 2 * this.bufPins.length);
      const p = new Int32Array(size);
      p.set(this.bufPins.subarray(0, this.buffered));
      const b = new Int32Array(size);
      b.set(this.bufBoards.subarray(0, this.buffered));
      this.bufPins = p;
      this.bufBoards = b;
    }
    for (let e = 0; e < pins.length; e++) {
      const p = pins[e];
      const b = boards[e];
      if (!Number.isInteger(p) || p < 0 || p > 0x7fffffff) throw new RangeError(`pin ${p} is not a non-negative integer`);
      if (!Number.isInteger(b) || b < 0 || b > 0x7fffffff) throw new RangeError(`board ${b} is not a non-negative integer`);
      this.bufPins[this.buffered + e] = p;
      this.bufBoards[this.buffered + e] = b;
    }
    this.buffered = need;
  }

  /** Edges added and not merged yet. */
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
   * Merges the update buffer into the CSR arrays: the buffered edges are bucketed by pin, each pin's new boards
   * sorted and merged with its old ones without duplicates, and the board → pin direction rebuilt by a counting
   * sort (so its rows come out ascending). O(E + P + B + b log b). New arrays are allocated: earlier snapshots
   * stay as they were.
   */
  compact(): void {
    const old = this.adj;
    const n = this.buffered;
    let nPins = old.nPins;
    let nBoards = old.nBoards;
    for (let e = 0; e < n; e++) {
      if (this.bufPins[e] >= nPins) nPins = this.bufPins[e] + 1;
      if (this.bufBoards[e] >= nBoards) nBoards = this.bufBoards[e] + 1;
    }
    // Bucket the buffered edges by pin.
    const bufPtr = new Int32Array(nPins + 1);
    for (let e = 0; e < n; e++) bufPtr[this.bufPins[e] + 1]++;
    for (let p = 0; p < nPins; p++) bufPtr[p + 1] += bufPtr[p];
    const next = bufPtr.slice(0, nPins);
    const bufRows = new Int32Array(n);
    for (let e = 0; e < n; e++) bufRows[next[this.bufPins[e]]++] = this.bufBoards[e];
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
    this.buffered = 0;
  }
}

function checkCount(n: number, name: string): void {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`${name} must be a non-negative integer, got ${n}`);
}
