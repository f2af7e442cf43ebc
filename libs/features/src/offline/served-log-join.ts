// Training data from the served-feature log: every item of a logged page that a client showed, with the values the
// service ranked it with, joined with the reactions that answered it. What the service logged, not a replay: no
// train/serve skew.

import type { EngagementEvent } from '@recsys/domain';
import { modelInputRead, modelInputRow, type ModelInputRead } from '../ranking/model-inputs';
import { addOutcome, impressionKey, noOutcomes, type JoinedImpression } from './impression-join';

/** One item of a logged page (what the service sent). */
export interface ServedPageItem {
  itemId: string;
  /** Position on the page, from 0. */
  position: number;
  /** The item (and creator) features the service ranked it with; undefined when the log holds none for it. */
  features?: Readonly<Record<string, number>>;
  /** Its primary topic as the service read it ('' when unknown or not logged). */
  topic: string;
}

/** One logged page: a served-log event in domain form. */
export interface ServedPage {
  requestId: string;
  userId: string;
  surface: string;
  /** When the page was served, ms since the Unix epoch. */
  timestampMs: number;
  /** The user features the page was ranked with; undefined when the log holds none (the feature read degraded). */
  userFeatures?: Readonly<Record<string, number>>;
  /** The user's topic affinity the page was ranked with; undefined when the log holds none. */
  topicAffinity?: Readonly<Record<string, number>>;
  /** The page's items, in page order. */
  items: readonly ServedPageItem[];
}

/** One item of a logged page, with its page. */
export interface ServedImpression {
  page: ServedPage;
  item: ServedPageItem;
}

/** The result of {@link joinServedImpressions}. */
export interface ServedImpressionJoin {
  /** The impressions kept, in time order (pages by time, items by position), each with its outcomes. */
  examples: JoinedImpression<ServedImpression>[];
  /** Distinct pages read (a page logged twice counts once). */
  pages: number;
  /** Items of those pages. */
  served: number;
  /** Those of them a client reported showing (an impression event), kept or not. */
  impressions: number;
}

/** Options of {@link joinServedImpressions}. */
export interface ServedImpressionJoinOptions {
  /** How long after its page a client's event can still come, ms; pages within it of the log's end are left out. */
  horizonMs: number;
  /**
   * Where the log ends, ms (default: the latest page or event given). A caller that passes only the events that can
   * answer a page (to hold fewer in memory) passes the latest time of all of them here.
   */
  endMs?: number;
}

/**
 * Joins logged pages with the engagement events that answered them.
 *
 * - An impression is an item of a page that a client reported showing: an `impression` event with the page's request
 *   id and the item's id ({@link impressionKey}). The server's log says what it sent, the client's what was seen: a
 *   page no client showed (a benchmark's, a prefetch never displayed) has no impressions. Each is an example at its
 *   position and the page's time (`event`: the page's request id, user, item and position, no event id); candidates
 *   the service ranked but did not show are not in `pages`. A request id logged again (an at-least-once redelivery)
 *   is read once, and an item repeated within a page once.
 * - An outcome is a click, save, share, hide or dwell with the (request id, item id) of the impression; its effect is
 *   {@link addOutcome}'s, each event id counted once.
 * - A client's event counts when it is at most `horizonMs` after the page. There is no lower bound: the key names the
 *   page, and a client's clock may run behind the server's (`recsys simulate` stamps a page's session as having just
 *   ended, so most of its events carry times before the page).
 * - Pages within `horizonMs` of the log's end (`endMs`, else the latest page or event) are left out: the end of the log
 *   may have cut their events off. O(served + events) time, O(served) memory.
 */
export function joinServedImpressions(pages: Iterable<ServedPage>, events: Iterable<EngagementEvent>, options: ServedImpressionJoinOptions): ServedImpressionJoin {
  const { horizonMs } = options;
  const byRequest = new Map<string, ServedPage>();
  for (const page of pages) if (!byRequest.has(page.requestId)) byRequest.set(page.requestId, page);
  const ordered = [...byRequest.values()].sort((a, b) => a.timestampMs - b.timestampMs);

  const served: JoinedImpression<ServedImpression>[] = [];
  const byKey = new Map<string, JoinedImpression<ServedImpression>>();
  let lastMs = Number.NEGATIVE_INFINITY;
  for (const page of ordered) {
    lastMs = Math.max(lastMs, page.timestampMs);
    for (const item of page.items) {
      const key = impressionKey(page.requestId, item.itemId);
      if (byKey.has(key)) continue;
      const event: EngagementEvent = {
        eventId: '',
        userId: page.userId,
        itemId: item.itemId,
        type: 'impression',
        timestampMs: page.timestampMs,
        dwellMs: 0,
        requestId: page.requestId,
        position: item.position,
        surface: page.surface,
        boardId: '',
      };
      const joined = { record: { page, item }, event, outcomes: noOutcomes() };
      byKey.set(key, joined);
      served.push(joined);
    }
  }

  const shown = new Set<JoinedImpression<ServedImpression>>();
  const counted = new Set<string>();
  for (const event of events) {
    lastMs = Math.max(lastMs, event.timestampMs);
    const joined = byKey.get(impressionKey(event.requestId, event.itemId));
    if (joined === undefined || event.timestampMs > joined.event.timestampMs + horizonMs || counted.has(event.eventId)) continue;
    counted.add(event.eventId);
    if (event.type === 'impression') shown.add(joined);
    else addOutcome(joined.outcomes, event);
  }
  const endMs = Math.max(lastMs, options.endMs ?? Number.NEGATIVE_INFINITY);
  return {
    examples: served.filter((e) => shown.has(e) && e.event.timestampMs <= endMs - horizonMs),
    pages: ordered.length,
    served: served.length,
    impressions: shown.size,
  };
}

/** The model inputs of one served impression and which of them the log did not hold. */
export interface ServedModelInputs {
  values: Float64Array;
  /** Indexes into the input names of the inputs computed from a declared default because the log lacks their value. */
  defaulted: number[];
}

/** Whether the served log holds the value `read` for `impression`. */
function holds(read: ModelInputRead, { page, item }: ServedImpression): boolean {
  switch (read.kind) {
    case 'item':
      return item.features !== undefined && Object.hasOwn(item.features, read.name);
    case 'user':
      return page.userFeatures !== undefined && Object.hasOwn(page.userFeatures, read.name);
    case 'topic_affinity':
      return page.topicAffinity !== undefined;
    case 'constant':
      return true;
  }
}

/**
 * The model inputs `names` of a served impression computed from what the service logged — the item's logged
 * features, the page's logged user features and topic affinity, the item's logged primary topic — with
 * {@link modelInputRow}, the definition the ranking service computes them with; a value the log lacks takes its
 * declared default and is listed in `defaulted` (see {@link modelInputRead} for what each input reads).
 *
 * @throws Error naming an unknown input.
 */
export function servedModelInputs(names: readonly string[], impression: ServedImpression): ServedModelInputs {
  const { page, item } = impression;
  const values = modelInputRow(names, { features: page.userFeatures ?? {}, topicAffinity: page.topicAffinity ?? {} }, { features: item.features ?? {} }, item.topic);
  const defaulted: number[] = [];
  names.forEach((name, j) => {
    if (!holds(modelInputRead(name), impression)) defaulted.push(j);
  });
  return { values, defaulted };
}
