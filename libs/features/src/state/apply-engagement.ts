// How one engagement event changes stored feature state: the single definition used online and offline.

import { addDecayed } from '@recsys/algorithms';
import type { EngagementEvent } from '@recsys/domain';
import { AFFINITY_WEIGHTS, RECENT_ITEM_EVENTS, isKnownEventType } from '../definitions/event-updates';
import { AFFINITY_HALF_LIFE_MS, RECENT_ITEMS_LIMIT, TOPIC_SHARE } from '../definitions/knobs';
import type { UserRecord, UserTopicRecord } from '../records/records';
import type { CatalogLookup } from './catalog';
import { countInto, emptyBlock } from './counter-block';
import type { RecordSet } from './record-set';

/** True when the event can be applied: an id, a user, an item, a known type and a finite time. */
export function isApplicable(e: EngagementEvent): boolean {
  return e.eventId !== '' && e.userId !== '' && e.itemId !== '' && isKnownEventType(e.type) && Number.isFinite(e.timestampMs);
}

/**
 * Applies one (applicable, not yet applied) event to `records`: the item's and the user's counter blocks, and when
 * the item is in the catalog its creator's block and the user×topic blocks and affinity of its topics; clicks,
 * saves and shares also move the item to the front of the user's recent items. Deduplication by event id is the
 * caller's job. O(topics of the item × window buckets + RECENT_ITEMS_LIMIT).
 */
export function applyEngagement(records: RecordSet, catalog: CatalogLookup, e: EngagementEvent): void {
  const dwellMs = Number.isFinite(e.dwellMs) && e.dwellMs > 0 ? e.dwellMs : 0;
  countInto(records.itemForUpdate(e.itemId).counters, e.type, dwellMs, e.timestampMs);
  const user = records.userForUpdate(e.userId);
  countInto(user.counters, e.type, dwellMs, e.timestampMs);
  const item = catalog.item(e.itemId);
  if (item) {
    countInto(records.creatorForUpdate(item.creatorId).counters, e.type, dwellMs, e.timestampMs);
    applyTopics(user, item.topics, e, dwellMs);
  }
  if (RECENT_ITEM_EVENTS.has(e.type)) rememberRecent(user, e.itemId, e.timestampMs);
}

/** User×topic counters for every topic of the item (a repeated topic counts once), and affinity weighted by position. */
function applyTopics(user: UserRecord, topics: readonly string[], e: EngagementEvent, dwellMs: number): void {
  const weight = AFFINITY_WEIGHTS[e.type];
  const seen = new Set<string>();
  topics.forEach((topic, index) => {
    if (seen.has(topic)) return;
    seen.add(topic);
    const row = topicRow(user, topic);
    countInto(row.counters, e.type, dwellMs, e.timestampMs);
    if (weight !== undefined) {
      const share = index === 0 ? TOPIC_SHARE.primary : TOPIC_SHARE.secondary;
      const next = addDecayed(row.affinity, row.affinityAtMs, weight * share, e.timestampMs, AFFINITY_HALF_LIFE_MS);
      row.affinity = Math.max(0, next.value);
      row.affinityAtMs = next.atMs;
    }
  });
}

/** The user's row for `topic`, inserted in topic order when missing. */
function topicRow(user: UserRecord, topic: string): UserTopicRecord {
  let lo = 0;
  let hi = user.topics.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (user.topics[mid].topic < topic) lo = mid + 1;
    else hi = mid;
  }
  const found = user.topics[lo];
  if (found?.topic === topic) return found;
  const row: UserTopicRecord = { topic, counters: emptyBlock(), affinity: 0, affinityAtMs: Number.NEGATIVE_INFINITY };
  user.topics.splice(lo, 0, row);
  return row;
}

/** Moves `itemId` to its place by time (newest first), keeping one entry per item and at most the limit. */
function rememberRecent(user: UserRecord, itemId: string, atMs: number): void {
  const recent = user.recent;
  const existing = recent.findIndex((r) => r.itemId === itemId);
  if (existing !== -1) {
    if (recent[existing].atMs >= atMs) return; // already there with a later interaction
    recent.splice(existing, 1);
  }
  // Before the first entry that is not newer: equal times put the later-applied event first.
  let at = 0;
  while (at < recent.length && recent[at].atMs > atMs) at++;
  if (at >= RECENT_ITEMS_LIMIT) return;
  recent.splice(at, 0, { itemId, atMs });
  if (recent.length > RECENT_ITEMS_LIMIT) recent.length = RECENT_ITEMS_LIMIT;
}
