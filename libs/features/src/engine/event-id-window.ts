// Bounded-time set of seen event ids: a ring of hourly buckets of 53-bit id hashes.

import { hash53 } from '@recsys/algorithms';

/** Outcome of offering an event id to an {@link EventIdWindow}. */
export type EventIdVerdict = 'new' | 'duplicate' | 'late';

/**
 * Remembers the event ids seen during the last `windowMs` of event time (measured back from the newest
 * event timestamp seen), so a redelivered event is recognised. Ids are kept as 53-bit hashes (a distinct
 * id is mistaken for a duplicate with probability ≈ n/2^53 for n ids in the window) in one Set, plus a
 * ring of time buckets that says which hashes to forget when a bucket leaves the window.
 *
 * An event older than the window is `late`: its id can no longer be checked, so the caller must not apply
 * it (applying it could double-count). Memory: about 40–50 bytes per id in the window. O(1) per offer,
 * amortised (eviction touches each id once).
 */
export class EventIdWindow {
  private readonly seen = new Set<number>();
  private readonly ring: number[][];
  private readonly ringBucket: Float64Array;
  private newest = Number.NEGATIVE_INFINITY;

  /**
   * @param windowMs how far back ids are remembered, > 0.
   * @param bucketMs granularity of forgetting, > 0; ids are kept for between windowMs and windowMs + bucketMs.
   */
  constructor(readonly windowMs: number, readonly bucketMs: number) {
    if (!(windowMs > 0) || !(bucketMs > 0)) throw new RangeError(`windowMs and bucketMs must be > 0, got ${windowMs}, ${bucketMs}`);
    const slots = Math.ceil(windowMs / bucketMs) + 1;
    this.ring = Array.from({ length: slots }, () => []);
    this.ringBucket = new Float64Array(slots).fill(Number.NEGATIVE_INFINITY);
  }

  /** Ids currently remembered. */
  get size(): number {
    return this.seen.size;
  }

  /** Records `eventId` seen at event time `tMs` unless it was seen before or is older than the window. */
  offer(eventId: string, tMs: number): EventIdVerdict {
    const bucket = Math.floor(tMs / this.bucketMs);
    const slots = this.ring.length;
    if (bucket > this.newest) this.advanceTo(bucket);
    if (bucket <= this.newest - slots) return 'late';
    const h = hash53(eventId);
    if (this.seen.has(h)) return 'duplicate';
    this.seen.add(h);
    this.ring[this.slotOf(bucket)].push(h);
    return 'new';
  }

  private slotOf(bucket: number): number {
    const slots = this.ring.length;
    return ((bucket % slots) + slots) % slots;
  }

  /** Moves the newest bucket forward, emptying the slots that now hold buckets outside the window. */
  private advanceTo(bucket: number): void {
    const slots = this.ring.length;
    const from = Math.max(this.newest + 1, bucket - slots + 1);
    for (let b = from; b <= bucket; b++) {
      const slot = this.slotOf(b);
      if (this.ringBucket[slot] !== b) {
        for (const h of this.ring[slot]) this.seen.delete(h);
        this.ring[slot] = [];
        this.ringBucket[slot] = b;
      }
    }
    this.newest = bucket;
  }
}
