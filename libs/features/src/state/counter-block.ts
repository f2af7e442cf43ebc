// A counter block: all-time counters, bucketed sliding-window counters and the last engagement time.

import type { EventType } from '@recsys/domain';
import { COUNTER_COUNT, RECENT_ITEM_EVENTS, countEvent, type CounterName, COUNTER } from '../definitions/event-updates';
import { WINDOWS, bucketOf } from '../definitions/windows';

/** One non-empty bucket of a window: its index and a counter row (COUNTER_NAMES order). */
export interface WindowSlot {
  bucket: number;
  counts: Float64Array;
}

/** The counters of one entity (user, item, creator or user×topic). */
export interface CounterBlock {
  /** All-time counters, COUNTER_NAMES order. */
  totals: Float64Array;
  /** Time of the latest click, save or share, ms; −Infinity when none. */
  lastEngagedAtMs: number;
  /**
   * One list per entry of WINDOWS: the non-empty buckets, newest first, only those that can still fall inside the
   * window (older ones are dropped as soon as a newer bucket makes them unreachable). At most `buckets` entries.
   */
  windows: WindowSlot[][];
}

/** An empty block. */
export function emptyBlock(): CounterBlock {
  return { totals: new Float64Array(COUNTER_COUNT), lastEngagedAtMs: Number.NEGATIVE_INFINITY, windows: WINDOWS.map(() => []) };
}

/**
 * Counts one event of `type` at `tMs` into the block: all-time counters, the bucket of `tMs` in every window
 * (unless already older than the window behind the newest bucket seen), and the last engagement time.
 * O(buckets per window).
 */
export function countInto(block: CounterBlock, type: EventType, dwellMs: number, tMs: number): void {
  countEvent(block.totals, 0, type, dwellMs);
  if (RECENT_ITEM_EVENTS.has(type) && tMs > block.lastEngagedAtMs) block.lastEngagedAtMs = tMs;
  for (let w = 0; w < WINDOWS.length; w++) {
    const spec = WINDOWS[w];
    const slots = block.windows[w];
    const bucket = bucketOf(spec, tMs);
    const newest = slots.length > 0 ? Math.max(slots[0].bucket, bucket) : bucket;
    if (bucket <= newest - spec.buckets) continue; // can never be inside the window again
    let at = 0;
    while (at < slots.length && slots[at].bucket > bucket) at++;
    let slot = slots[at];
    if (slot === undefined || slot.bucket !== bucket) {
      slot = { bucket, counts: new Float64Array(COUNTER_COUNT) };
      slots.splice(at, 0, slot);
    }
    countEvent(slot.counts, 0, type, dwellMs);
    let keep = slots.length;
    while (keep > 0 && slots[keep - 1].bucket <= newest - spec.buckets) keep--;
    slots.length = keep;
  }
}

/** The value of counter `name` in window `window` (index into WINDOWS) at `nowMs`: one entry of {@link windowTotals}. */
export function windowCount(block: CounterBlock, window: number, name: CounterName, nowMs: number): number {
  return windowTotals(block, nowMs)[window * COUNTER_COUNT + COUNTER[name]];
}

/**
 * Every counter of every window at `nowMs` in one pass: entry `w * COUNTER_COUNT + c` is counter `c` of window `w`
 * (the same sums {@link windowCount} gives one at a time). O(buckets of all windows).
 */
export function windowTotals(block: CounterBlock, nowMs: number): Float64Array {
  const out = new Float64Array(WINDOWS.length * COUNTER_COUNT);
  for (let w = 0; w < WINDOWS.length; w++) {
    const spec = WINDOWS[w];
    const current = Math.floor(nowMs / spec.bucketMs);
    const oldest = current - spec.buckets;
    const base = w * COUNTER_COUNT;
    const slots = block.windows[w];
    for (let i = 0; i < slots.length; i++) {
      const slot = slots[i];
      const bucket = slot.bucket;
      if (bucket > current) continue;
      if (bucket <= oldest) break; // newest first: every later slot is older still
      const counts = slot.counts;
      for (let c = 0; c < COUNTER_COUNT; c++) out[base + c] += counts[c];
    }
  }
  return out;
}

/**
 * Adds every count of `delta` into `into`: totals summed, the later last-engagement time kept, and per window the
 * slots of both merged by bucket (counts summed), then the buckets the newest of either makes unreachable dropped.
 * Merging the block of a set of events into the block of the events before them gives the block of all of them
 * applied one by one with {@link countInto}, in any order: an event survives in a window exactly when its bucket is
 * newer than the newest bucket ever counted minus the window's bucket count. Counts are integers (dwell times are
 * whole milliseconds), so the sums are exact whatever the order. `delta` is not modified. O(slots of both).
 */
export function mergeBlock(into: CounterBlock, delta: CounterBlock): void {
  const totals = into.totals;
  for (let c = 0; c < COUNTER_COUNT; c++) totals[c] += delta.totals[c];
  if (delta.lastEngagedAtMs > into.lastEngagedAtMs) into.lastEngagedAtMs = delta.lastEngagedAtMs;
  for (let w = 0; w < WINDOWS.length; w++) {
    const theirs = delta.windows[w];
    if (theirs.length === 0) continue;
    const ours = into.windows[w];
    const newest = ours.length > 0 ? Math.max(ours[0].bucket, theirs[0].bucket) : theirs[0].bucket;
    const oldest = newest - WINDOWS[w].buckets;
    const merged: WindowSlot[] = [];
    let i = 0;
    let j = 0;
    while (i < ours.length || j < theirs.length) {
      const a = ours[i];
      const b = theirs[j];
      let slot: WindowSlot;
      if (b === undefined || (a !== undefined && a.bucket > b.bucket)) {
        slot = a;
        i++;
      } else if (a === undefined || b.bucket > a.bucket) {
        slot = { bucket: b.bucket, counts: b.counts.slice() };
        j++;
      } else {
        for (let c = 0; c < COUNTER_COUNT; c++) a.counts[c] += b.counts[c];
        slot = a;
        i++;
        j++;
      }
      if (slot.bucket <= oldest) break; // newest first: everything after is older still
      merged.push(slot);
    }
    into.windows[w] = merged;
  }
}
