// How one engagement event changes feature state: counter increments, affinity weights, recent items.
// The feature engine applies exactly this for the stream processor and for offline replay.

import type { EventType } from '@recsys/domain';

/** The counters kept per item, user, creator and user×topic, in storage order. */
export const COUNTER_NAMES = ['impressions', 'clicks', 'saves', 'shares', 'hides', 'dwells', 'dwell_ms'] as const;

/** One counter name. */
export type CounterName = (typeof COUNTER_NAMES)[number];

/** Number of counters in one block. */
export const COUNTER_COUNT = COUNTER_NAMES.length;

/** Index of each counter in a block. */
export const COUNTER: Readonly<Record<CounterName, number>> = Object.freeze(
  Object.fromEntries(COUNTER_NAMES.map((name, i) => [name, i])) as Record<CounterName, number>,
);

/** The counter each event type increments by one. `dwell` also adds its duration to `dwell_ms`. */
const COUNTED_BY: Readonly<Record<EventType, number>> = {
  impression: COUNTER.impressions,
  click: COUNTER.clicks,
  save: COUNTER.saves,
  share: COUNTER.shares,
  hide: COUNTER.hides,
  dwell: COUNTER.dwells,
};

/** True for the event types the engine understands. */
export function isKnownEventType(type: string): type is EventType {
  return Object.prototype.hasOwnProperty.call(COUNTED_BY, type);
}

/**
 * Applies one event to a counter block starting at `offset` of `block`: +1 on the event type's counter,
 * and for `dwell` events `max(0, dwellMs)` on `dwell_ms`.
 */
export function countEvent(block: Float64Array, offset: number, type: EventType, dwellMs: number): void {
  block[offset + COUNTED_BY[type]] += 1;
  if (type === 'dwell' && dwellMs > 0) block[offset + COUNTER.dwell_ms] += dwellMs;
}

/**
 * Weight of each event type in user×topic affinity (types not listed add nothing). A hide subtracts; the
 * affinity of a topic is floored at 0 after every update.
 */
export const AFFINITY_WEIGHTS: Readonly<Partial<Record<EventType, number>>> = { click: 1, save: 3, share: 3, hide: -2 };

/** Event types that put the item at the front of the user's recent items. */
export const RECENT_ITEM_EVENTS: ReadonlySet<EventType> = new Set<EventType>(['click', 'save', 'share']);
