// Which well-formed engagement events the stream processor refuses (dead-letters): one rule online and offline.

import type { EngagementEvent } from '@recsys/domain';

/** Clock skew tolerated between an event's time and the time the bus accepted it, ms. */
export const MAX_FUTURE_SKEW_MS = 5 * 60_000;

/** Longest dwell applied, ms (LogEvents accepts the same 1 h). */
export const MAX_DWELL_MS = 3_600_000;

/**
 * Why a decoded engagement event read from the bus cannot be applied, or undefined when it can: a negative,
 * non-finite or over-long dwell (on the wire `dwell_ms` is a uint32, so a client's −5 arrives as 2^32 − 5: the
 * {@link MAX_DWELL_MS} bound is what catches it), a dwell on a non-dwell event, or an event time more than
 * {@link MAX_FUTURE_SKEW_MS} after the bus accepted it (`acceptedAtMs`).
 */
export function busEventRejection(event: EngagementEvent, acceptedAtMs: number): string | undefined {
  if (!Number.isFinite(event.dwellMs) || event.dwellMs < 0) return `event ${event.eventId}: dwell_ms ${event.dwellMs} is negative`;
  if (event.dwellMs > MAX_DWELL_MS) {
    return `event ${event.eventId}: dwell_ms ${event.dwellMs} is over ${MAX_DWELL_MS} (1 h); a negative dwell sent as uint32 looks like this`;
  }
  if (event.type !== 'dwell' && event.dwellMs !== 0) return `event ${event.eventId}: dwell_ms is only allowed on DWELL events`;
  if (event.timestampMs > acceptedAtMs + MAX_FUTURE_SKEW_MS) {
    return `event ${event.eventId}: timestamp_ms is ${Math.round((event.timestampMs - acceptedAtMs) / 1000)} s after the bus accepted it`;
  }
  return undefined;
}
