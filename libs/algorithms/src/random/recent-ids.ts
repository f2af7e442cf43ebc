// The ids seen among the last n additions, kept as 53-bit hashes in typed arrays (for at-least-once de-duplication).
import { hash53 } from './hash';

/**
 * A set of the ids added most recently: holds the last `capacity` distinct ids added, forgetting the oldest first.
 * Ids are stored as their {@link hash53} (open addressing with linear probing in a Float64Array twice the capacity,
 * plus a ring of the hashes in insertion order), so memory is 24 bytes per id of capacity whatever the ids' lengths,
 * and nothing is left for the garbage collector to trace. `add` and `has` are O(1) expected; forgetting the oldest
 * is O(1) expected (backward-shift deletion).
 *
 * Two distinct ids with the same 53-bit hash are taken for one: among n ids held, the chance that any such pair
 * exists is about n² / 2^54 (6e-5 for a million), and it would make one of them count as a repeat.
 */
export class RecentIdSet {
  private readonly table: Float64Array;
  private readonly mask: number;
  private readonly ring: Float64Array;
  private next = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 0) throw new RangeError(`capacity must be a non-negative integer, got ${capacity}`);
    let size = 2;
    while (size < 2 * capacity) size *= 2;
    this.table = new Float64Array(size);
    this.mask = size - 1;
    this.ring = new Float64Array(Math.max(1, capacity));
  }

  /** Ids held (at most `capacity`). */
  get size(): number {
    return this.count;
  }

  /** True when `id` is among the ids held. */
  has(id: string): boolean {
    return this.find(keyOf(id)) >= 0;
  }

  /** Adds `id`; false (and nothing changes) when it is already held. */
  add(id: string): boolean {
    const key = keyOf(id);
    const { table, mask } = this;
    let at = key % (mask + 1);
    for (;;) {
      const k = table[at];
      if (k === 0) break;
      if (k === key) return false;
      at = (at + 1) & mask;
    }
    if (this.capacity === 0) return true;
    if (this.count === this.capacity) {
      this.remove(this.ring[this.next]);
      this.count--;
      // The removal may have shifted entries into the free slot found above: look for it again.
      at = key % (mask + 1);
      while (table[at] !== 0) at = (at + 1) & mask;
    }
    table[at] = key;
    this.ring[this.next] = key;
    this.next = this.next + 1 === this.capacity ? 0 : this.next + 1;
    this.count++;
    return true;
  }

  private find(key: number): number {
    const { table, mask } = this;
    for (let at = key % (mask + 1); ; at = (at + 1) & mask) {
      const k = table[at];
      if (k === 0) return -1;
      if (k === key) return at;
    }
  }

  /** Removes `key` (present) and closes the gap so later probes still find every entry (backward shift). */
  private remove(key: number): void {
    const { table, mask } = this;
    let hole = this.find(key);
    if (hole < 0) return;
    table[hole] = 0;
    for (let at = (hole + 1) & mask; table[at] !== 0; at = (at + 1) & mask) {
      const home = table[at] % (mask + 1);
      // The entry at `at` may move back into the hole unless its home lies cyclically in (hole, at].
      const inRange = hole <= at ? home > hole && home <= at : home > hole || home <= at;
      if (!inRange) {
        table[hole] = table[at];
        table[at] = 0;
        hole = at;
      }
    }
  }
}

/** The table key of an id: its 53-bit hash, 0 (the empty marker) moved to 1. */
function keyOf(id: string): number {
  return hash53(id) || 1;
}
