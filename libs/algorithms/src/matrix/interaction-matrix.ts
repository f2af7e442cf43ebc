/**
 * The interaction matrix every offline model and metric works on: users × items in compressed sparse row form
 * over typed arrays, with the external ids both ways. Rows are users; within a row, entries are sorted by item
 * index and unique.
 */

/** A user × item interaction matrix in CSR form. */
export interface InteractionMatrix {
  readonly nUsers: number;
  readonly nItems: number;
  /** Row pointers: the entries of user u are at positions indptr[u] .. indptr[u+1]-1. Length nUsers + 1. */
  readonly indptr: Int32Array;
  /** Item index of each entry, ascending within a row. Length nnz. */
  readonly indices: Int32Array;
  /** Weight of each entry (a rating, or an implicit confidence). Length nnz. */
  readonly values: Float32Array;
  /** Time of each entry, ms since the Unix epoch (the latest when duplicates were merged). Length nnz. */
  readonly timestamps: Float64Array;
  /** External user id of each row. */
  readonly userIds: readonly string[];
  /** External item id of each column. */
  readonly itemIds: readonly string[];
  /** External user id → row. */
  readonly userIndex: ReadonlyMap<string, number>;
  /** External item id → column. */
  readonly itemIndex: ReadonlyMap<string, number>;
}

/** How duplicate (user, item) pairs are merged. */
export type DuplicatePolicy = 'sum' | 'last' | 'max';

/**
 * Accumulates (user, item, weight, time) triples and builds an {@link InteractionMatrix}. Ids are assigned
 * indexes in first-seen order unless declared up front with `addUser`/`addItem` (so splits of one dataset can
 * share one id space). Memory: 24 bytes per added triple until `build()`.
 */
export class InteractionMatrixBuilder {
  private readonly userIds: string[] = [];
  private readonly itemIds: string[] = [];
  private readonly userIndex = new Map<string, number>();
  private readonly itemIndex = new Map<string, number>();
  private rows = new Int32Array(1024);
  private cols = new Int32Array(1024);
  private vals = new Float32Array(1024);
  private times = new Float64Array(1024);
  private n = 0;

  constructor(private readonly duplicates: DuplicatePolicy = 'last') {}

  /** Declares a user (idempotent); returns its row. */
  addUser(id: string): number {
    let u = this.userIndex.get(id);
    if (u === undefined) {
      u = this.userIds.length;
      this.userIds.push(id);
      this.userIndex.set(id, u);
    }
    return u;
  }

  /** Declares an item (idempotent); returns its column. */
  addItem(id: string): number {
    let i = this.itemIndex.get(id);
    if (i === undefined) {
      i = this.itemIds.length;
      this.itemIds.push(id);
      this.itemIndex.set(id, i);
    }
    return i;
  }

  /** Adds one interaction. */
  add(userId: string, itemId: string, weight: number, timestampMs = 0): void {
    this.addIndexed(this.addUser(userId), this.addItem(itemId), weight, timestampMs);
  }

  /** Adds one interaction by row and column (both must have been declared). */
  addIndexed(user: number, item: number, weight: number, timestampMs = 0): void {
    if (this.n === this.rows.length) this.grow();
    this.rows[this.n] = user;
    this.cols[this.n] = item;
    this.vals[this.n] = weight;
    this.times[this.n] = timestampMs;
    this.n++;
  }

  /** Number of triples added so far (before merging duplicates). */
  get size(): number {
    return this.n;
  }

  /** Builds the matrix: O(nnz log(row length)). The builder can keep being used afterwards. */
  build(): InteractionMatrix {
    const nUsers = this.userIds.length;
    const counts = new Int32Array(nUsers + 1);
    for (let k = 0; k < this.n; k++) counts[this.rows[k] + 1]++;
    for (let u = 0; u < nUsers; u++) counts[u + 1] += counts[u];
    // Bucket the triples by row.
    const order = new Int32Array(this.n);
    const next = counts.slice(0, nUsers);
    for (let k = 0; k < this.n; k++) order[next[this.rows[k]]++] = k;
    const indptr = new Int32Array(nUsers + 1);
    const indices = new Int32Array(this.n);
    const values = new Float32Array(this.n);
    const timestamps = new Float64Array(this.n);
    let nnz = 0;
    for (let u = 0; u < nUsers; u++) {
      const row = Array.from(order.subarray(counts[u], counts[u + 1]));
      // Sort by item, then by time so that 'last' keeps the latest.
      row.sort((a, b) => this.cols[a] - this.cols[b] || this.times[a] - this.times[b] || a - b);
      for (const k of row) {
        const item = this.cols[k];
        if (nnz > indptr[u] && indices[nnz - 1] === item) {
          const prev = nnz - 1;
          if (this.duplicates === 'sum') values[prev] += this.vals[k];
          else if (this.duplicates === 'max') values[prev] = Math.max(values[prev], this.vals[k]);
          else values[prev] = this.vals[k];
          timestamps[prev] = Math.max(timestamps[prev], this.times[k]);
          continue;
        }
        indices[nnz] = item;
        values[nnz] = this.vals[k];
        timestamps[nnz] = this.times[k];
        nnz++;
      }
      indptr[u + 1] = nnz;
    }
    return {
      nUsers,
      nItems: this.itemIds.length,
      indptr,
      indices: indices.slice(0, nnz),
      values: values.slice(0, nnz),
      timestamps: timestamps.slice(0, nnz),
      userIds: [...this.userIds],
      itemIds: [...this.itemIds],
      userIndex: new Map(this.userIndex),
      itemIndex: new Map(this.itemIndex),
    };
  }

  private grow(): void {
    const size = this.rows.length * 2;
    const rows = new Int32Array(size);
    rows.set(this.rows);
    const cols = new Int32Array(size);
    cols.set(this.cols);
    const vals = new Float32Array(size);
    vals.set(this.vals);
    const times = new Float64Array(size);
    times.set(this.times);
    this.rows = rows;
    this.cols = cols;
    this.vals = vals;
    this.times = times;
  }
}

/** Number of stored entries. */
export function nnz(m: InteractionMatrix): number {
  return m.indptr[m.nUsers];
}

/** The item indexes of user `u` (a view, do not modify). */
export function rowItems(m: InteractionMatrix, u: number): Int32Array {
  return m.indices.subarray(m.indptr[u], m.indptr[u + 1]);
}

/** Whether user `u` has item `i` (binary search in the row). */
export function hasEntry(m: InteractionMatrix, u: number, i: number): boolean {
  let lo = m.indptr[u];
  let hi = m.indptr[u + 1] - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = m.indices[mid];
    if (v === i) return true;
    if (v < i) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}
