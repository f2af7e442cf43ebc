// The point-in-time join of training data: every impression with the features as of the impression and the outcomes
// that answered it. The single definition used by every trainer and training-set export.

import type { EngagementEvent } from '@recsys/domain';
import type { FeatureEngine } from '../engine/feature-engine';

/** What followed one impression: binary reactions and the dwell time, summed over its dwell events. */
export interface ImpressionOutcomes {
  click: 0 | 1;
  save: 0 | 1;
  share: 0 | 1;
  hide: 0 | 1;
  /** Total dwell on the pin after this impression, ms (0 when none). */
  dwellMs: number;
}

/** The binary outcomes of {@link ImpressionOutcomes}. */
export const BINARY_OUTCOMES = ['click', 'save', 'share', 'hide'] as const;
/** One binary outcome. */
export type BinaryOutcome = (typeof BINARY_OUTCOMES)[number];

/** Nothing followed yet: every outcome 0. */
export function noOutcomes(): ImpressionOutcomes {
  return { click: 0, save: 0, share: 0, hide: 0, dwellMs: 0 };
}

/**
 * Adds one engagement event that answered an impression to its outcomes: a click, save, share or hide sets that outcome
 * to 1; a dwell adds its dwell (a non-finite or negative one adds nothing); an impression changes nothing.
 */
export function addOutcome(outcomes: ImpressionOutcomes, event: Pick<EngagementEvent, 'type' | 'dwellMs'>): void {
  if (event.type === 'dwell') outcomes.dwellMs += Number.isFinite(event.dwellMs) && event.dwellMs > 0 ? event.dwellMs : 0;
  else if (event.type === 'click' || event.type === 'save' || event.type === 'share' || event.type === 'hide') outcomes[event.type] = 1;
}

/**
 * The join key of an impression and the reactions that answered it: (request id, item id). A page has its own request
 * id and shows a pin at most once, and every reaction carries the request id and item id of the impression it answers.
 */
export function impressionKey(requestId: string, itemId: string): string {
  return `${requestId}\u0000${itemId}`;
}

/** One impression joined with its outcomes. */
export interface JoinedImpression<T> {
  /** What `onImpression` returned for it (e.g. its feature row). */
  record: T;
  event: EngagementEvent;
  outcomes: ImpressionOutcomes;
}

/** Options of {@link joinImpressions}. */
export interface ImpressionJoinOptions<T> {
  /**
   * How long after its impression an outcome can still come, ms (the simulator: `maxSessionSpanMs(pageSize)`). A
   * pending impression older than this is final; impressions within it of the last event are dropped, because the
   * end of the log may have cut their outcomes off.
   */
  horizonMs: number;
  /** The example of an impression, read from `engine` BEFORE the impression is applied (the state a server ranked with). */
  onImpression: (event: EngagementEvent, engine: FeatureEngine) => T;
  /** Called every 5,000 events and at the end with the events replayed. */
  onProgress?: (done: number) => void;
}

/**
 * Replays `events` (non-decreasing timestamps) through `engine` and returns one example per impression, in time order.
 *
 * The join, point in time:
 * - For an impression, `onImpression` reads the engine state just BEFORE the impression is applied: later events never
 *   leak into an example.
 * - Outcomes are joined by (request id, item id): the simulator (and the served log) gives every page its own request
 *   id, shows a pin at most once per page and stamps each reaction with the request id and item id of the impression it
 *   answers. Sessions of different users interleave in time, so the join is by key, not by adjacency. An impression
 *   older than `horizonMs` leaves the join map, so memory stays bounded by the active sessions.
 * - Impressions within `horizonMs` of the last event are dropped (their outcomes may lie beyond the log's end);
 *   `impressions` counts every impression seen.
 */
export function joinImpressions<T>(
  events: Iterable<EngagementEvent>,
  engine: FeatureEngine,
  options: ImpressionJoinOptions<T>,
): { examples: JoinedImpression<T>[]; impressions: number } {
  const { horizonMs } = options;
  const examples: JoinedImpression<T>[] = [];
  const pending = new Map<string, JoinedImpression<T>>();
  const pendingOrder: { key: string; timestampMs: number }[] = [];
  let pendingHead = 0;
  let impressions = 0;
  let lastMs = Number.NEGATIVE_INFINITY;
  let done = 0;

  for (const event of events) {
    const key = impressionKey(event.requestId, event.itemId);
    if (event.type === 'impression') {
      while (pendingHead < pendingOrder.length && pendingOrder[pendingHead].timestampMs < event.timestampMs - horizonMs) {
        pending.delete(pendingOrder[pendingHead++].key);
      }
      if (pendingHead > 4096 && pendingHead * 2 > pendingOrder.length) {
        pendingOrder.splice(0, pendingHead);
        pendingHead = 0;
      }
      const joined: JoinedImpression<T> = {
        record: options.onImpression(event, engine),
        event,
        outcomes: noOutcomes(),
      };
      examples.push(joined);
      pending.set(key, joined);
      pendingOrder.push({ key, timestampMs: event.timestampMs });
      impressions++;
    } else {
      const joined = pending.get(key);
      if (joined) addOutcome(joined.outcomes, event);
    }
    engine.applyEvent(event);
    lastMs = event.timestampMs;
    if (++done % 5000 === 0) options.onProgress?.(done);
  }
  options.onProgress?.(done);
  return { examples: examples.filter((e) => e.event.timestampMs <= lastMs - horizonMs), impressions };
}
