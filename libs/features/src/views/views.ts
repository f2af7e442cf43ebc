// Feature views: the values served for a user or an item, computed from a stored record at read time.

import { decayedValue } from '@recsys/algorithms';
import type { Item, User } from '@recsys/domain';
import {
  CREATOR_FEATURE_DEFINITIONS,
  ITEM_FEATURE_DEFINITIONS,
  USER_FEATURE_DEFINITIONS,
  USER_TOPIC_FEATURE_DEFINITIONS,
  computeFeatures,
} from '../definitions/features';
import { AFFINITY_HALF_LIFE_MS } from '../definitions/knobs';
import type { ItemRecord, UserRecord } from '../records/records';

/** What is served for one user. */
export interface UserFeatureView {
  userId: string;
  /** False when nothing is stored for the user (a cold-start user): every feature is then its default. */
  known: boolean;
  /** Registration attributes, when the user has been upserted. */
  user?: User;
  /** Every name of USER_FEATURES, with a value. */
  features: Record<string, number>;
  /** Names in `features` that hold their declared default because their source state is missing. */
  defaulted: string[];
  /** Up to 50 items of recent clicks, saves and shares, most recent first, without repeats. */
  recentItemIds: string[];
  /** Topic → share of the user's decayed affinity; values sum to 1; empty when the user has none. */
  topicAffinity: Record<string, number>;
}

/** What is served for one item. */
export interface ItemFeatureView {
  itemId: string;
  /** False when the item is not in the catalog; catalog and creator features are then defaults. */
  known: boolean;
  /** Catalog attributes, when known. */
  item?: Item;
  /** Every name of ITEM_FEATURES (item and creator features), with a value. */
  features: Record<string, number>;
  /** Names in `features` that hold their declared default because their source state is missing. */
  defaulted: string[];
}

/** Raw affinity of each topic decayed to `nowMs`, topics with positive affinity only. */
function decayedAffinities(record: UserRecord, nowMs: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const t of record.topics) {
    const value = decayedValue(t.affinity, t.affinityAtMs, nowMs, AFFINITY_HALF_LIFE_MS);
    if (value > 0) out.set(t.topic, value);
  }
  return out;
}

/** Normalised topic affinity of a stored user: each topic's decayed affinity over their sum. */
export function topicAffinityOf(record: UserRecord | undefined, nowMs: number): Record<string, number> {
  const affinity: Record<string, number> = {};
  if (!record) return affinity;
  const raw = decayedAffinities(record, nowMs);
  let total = 0;
  for (const v of raw.values()) total += v;
  if (total > 0) for (const [topic, v] of raw) affinity[topic] = v / total;
  return affinity;
}

/** The user view of a stored record (`undefined`: unknown user, all defaults). O(features + topics + recent). */
export function userViewFromRecord(userId: string, record: UserRecord | undefined, nowMs: number): UserFeatureView {
  const features: Record<string, number> = {};
  const defaulted: string[] = [];
  computeFeatures(USER_FEATURE_DEFINITIONS, { counters: record?.counters, user: record?.user, nowMs }, features, defaulted);
  const view: UserFeatureView = {
    userId,
    known: record !== undefined,
    features,
    defaulted,
    recentItemIds: record ? record.recent.map((r) => r.itemId) : [],
    topicAffinity: topicAffinityOf(record, nowMs),
  };
  if (record?.user) view.user = record.user;
  return view;
}

/** The item view of a stored record (`undefined`: unknown item, all defaults). O(features). */
export function itemViewFromRecord(itemId: string, record: ItemRecord | undefined, nowMs: number): ItemFeatureView {
  const features: Record<string, number> = {};
  const defaulted: string[] = [];
  computeFeatures(ITEM_FEATURE_DEFINITIONS, { counters: record?.counters, item: record?.item, nowMs }, features, defaulted);
  computeFeatures(CREATOR_FEATURE_DEFINITIONS, { counters: record?.creator?.counters, items: record?.creator?.items }, features, defaulted);
  const view: ItemFeatureView = { itemId, known: record?.item !== undefined, features, defaulted };
  if (record?.item) view.item = record.item;
  return view;
}

/** The user×topic features (USER_TOPIC_FEATURES) of one user and topic, from a stored user record. */
export function userTopicFeatures(record: UserRecord | undefined, topic: string, nowMs: number): Record<string, number> {
  const entry = record?.topics.find((t) => t.topic === topic);
  const affinity = topicAffinityOf(record, nowMs);
  const features: Record<string, number> = {};
  computeFeatures(
    USER_TOPIC_FEATURE_DEFINITIONS,
    { counters: entry?.counters, affinity: Object.keys(affinity).length > 0 ? (affinity[topic] ?? 0) : undefined },
    features,
    [],
  );
  return features;
}
