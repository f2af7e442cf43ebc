// Fixed-width rows of float64 counters in one growable typed array: compact per-entity state.

/**
 * Rows of `width` float64 values packed in one Float64Array that doubles when full. A row costs
 * 8·width bytes and no per-row object, which is what makes millions of entity counters affordable.
 * Rows are never freed (entities are not forgotten).
 */
export class CounterArena {
  private buffer: Float64Array;
  private used = 0;

  constructor(readonly width: number, initialRows = 1024) {
    this.buffer = new Float64Array(width * initialRows);
  }

  /** The backing array; re-read after `allocate` (it may be replaced when growing). */
  get data(): Float64Array {
    return this.buffer;
  }

  /** Rows allocated so far. */
  get rows(): number {
    return this.used;
  }

  /** Allocates a zero-filled row and returns its offset into `data`. Amortised O(width). */
  allocate(): number {
    const offset = this.used * this.width;
    if (offset + this.width > this.buffer.length) {
      const next = new Float64Array(Math.max(this.buffer.length * 2, this.width));
      next.set(this.buffer);
      this.buffer = next;
    }
    this.used++;
    return offset;
  }

  /** A copy of the row at `offset` as plain numbers. */
  read(offset: number, length = this.width): number[] {
    return Array.from(this.buffer.subarray(offset, offset + length));
  }
}
