// A dense score vector that remembers which entries were written, so reading and resetting it costs what was written.
import { TopCandidates } from './top-candidates';

/**
 * Scores over `size` entries (items, pins) for per-request scoring: a dense Float32Array plus the list of entries
 * written since the last reset. Reading the best entries and resetting visit only those entries, so a request that
 * touches t entries costs O(t log n) whatever `size` is (the O(size) vector is allocated once and reused). Not
 * re-entrant: one scoring at a time per instance.
 */
export class SparseScores {
  /** The scores; entries not written since the last reset are 0. */
  readonly values: Float32Array;
  private readonly list: Int32Array;
  private readonly marks: Uint8Array;
  private count = 0;
  private best: TopCandidates | undefined;

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 0) throw new RangeError(`size must be a non-negative integer, got ${size}`);
    this.values = new Float32Array(size);
    this.list = new Int32Array(size);
    this.marks = new Uint8Array(size);
  }

  /** Entries written since the last reset. */
  get touched(): number {
    return this.count;
  }

  /** Records that entry `j` is written (callers adding to `values[j]` directly call this first). O(1). */
  touch(j: number): void {
    if (this.marks[j] === 0) {
      this.marks[j] = 1;
      this.list[this.count++] = j;
    }
  }

  /** Adds `v` to entry `j`. O(1). */
  add(j: number, v: number): void {
    this.touch(j);
    this.values[j] += v;
  }

  /**
   * Writes the `n` best written entries with a positive score that `accept` admits into `outIds` / `outScores`, best
   * first (higher score, then lower index), returns how many, and resets every written entry to 0. `accept` is asked
   * only about positive entries. O(t log n) for t written entries.
   */
  drainTop(n: number, accept: ((j: number) => boolean) | undefined, outIds: Int32Array, outScores: Float32Array | Float64Array): number {
    const { values, list, marks } = this;
    let taken = 0;
    if (n > 0) {
      if (this.best === undefined || this.best.k !== n) this.best = new TopCandidates(n);
      const best = this.best;
      for (let t = 0; t < this.count; t++) {
        const j = list[t];
        const s = values[j];
        if (s > 0 && (accept === undefined || accept(j))) best.push(j, s);
      }
      taken = best.drain(outIds, outScores);
    }
    for (let t = 0; t < this.count; t++) {
      const j = list[t];
      values[j] = 0;
      marks[j] = 0;
    }
    this.count = 0;
    return taken;
  }

  /** Resets every written entry to 0. O(t). */
  clear(): void {
    for (let t = 0; t < this.count; t++) {
      this.values[this.list[t]] = 0;
      this.marks[this.list[t]] = 0;
    }
    this.count = 0;
  }
}
