// Feature views: the values served for a user or an item, computed from a stored record at read time.

import { decayedValue } from '@recsys/algorithms';
import type { Item, User } from '@recsys/domain';
import { RecsysError } from '@recsys/domain';
import {
  CREATOR_FEATURE_DEFINITIONS,
  ITEM_FEATURE_DEFINITIONS,
  USER_FEATURE_DEFINITIONS,
  USER_TOPIC_FEATURE_DEFINITIONS,
  computeFeatures,
  type CreatorFeatureSource,
  type FeatureDefinition,
  type ItemFeatureSource,
} from '../definitions/features';
import { AFFINITY_HALF_LIFE_MS } from '../definitions/knobs';
import type { EntityRecord, UserRecord } from '../records/records';
import type { CatalogLookup } from '../state/catalog';

/** What is served for one user. */
export interface UserFeatureView {
  userId: string;
  /** False when neither events nor registration attributes are known for the user (a cold-start user). */
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

/** What a user view is computed from. */
export interface UserViewInput {
  /** The user's stream state; absent before the user's first event. */
  record?: UserRecord;
  /** Registration attributes from the catalog; absent until the user is upserted. */
  user?: User;
  /** The catalog, for the content embeddings of the user's recent items (`user_history_content_*`: defaults without it). */
  catalog?: CatalogLookup;
}

/** What an item view is computed from. */
export interface ItemViewInput {
  /** The item's stream state; absent before the item's first event. */
  record?: EntityRecord;
  /** Catalog attributes; absent when the item is not in the catalog. */
  item?: Item;
  /** The item's creator's stream state; absent before the creator's first event or for an unknown item. */
  creator?: EntityRecord;
  /** Catalog items of the item's creator; absent for an unknown item. */
  creatorItems?: number;
}

/** The user view at `nowMs` (nothing known: cold-start user, all defaults). O(features + topics + recent). */
export function userView(userId: string, input: UserViewInput, nowMs: number): UserFeatureView {
  const { record, user } = input;
  const features: Record<string, number> = {};
  const defaulted: string[] = [];
  const recentItemIds = record ? record.recent.map((r) => r.itemId) : [];
  computeFeatures(USER_FEATURE_DEFINITIONS, { counters: record?.counters, user, recentItemIds, catalog: input.catalog, nowMs, sums: undefined, history: undefined }, features, defaulted);
  const view: UserFeatureView = {
    userId,
    known: record !== undefined || user !== undefined,
    features,
    defaulted,
    recentItemIds,
    topicAffinity: topicAffinityOf(record, nowMs),
  };
  if (user) view.user = user;
  return view;
}

/** The item view (item and creator features) at `nowMs`; all defaults and `known: false` outside the catalog. O(features). */
export function itemView(itemId: string, input: ItemViewInput, nowMs: number): ItemFeatureView {
  const features: Record<string, number> = {};
  const defaulted: string[] = [];
  computeFeatures(ITEM_FEATURE_DEFINITIONS, { counters: input.record?.counters, item: input.item, nowMs, sums: undefined, content: undefined }, features, defaulted);
  computeFeatures(CREATOR_FEATURE_DEFINITIONS, { counters: input.creator?.counters, items: input.creatorItems, nowMs, sums: undefined }, features, defaulted);
  const view: ItemFeatureView = { itemId, known: input.item !== undefined, features, defaulted };
  if (input.item) view.item = input.item;
  return view;
}

/** Names of the item view's features (item, then creator features) in declaration order: the columns of a row. */
export const ITEM_FEATURE_COLUMNS: readonly string[] = Object.freeze([...ITEM_FEATURE_DEFINITIONS, ...CREATOR_FEATURE_DEFINITIONS].map((d) => d.name));

/**
 * Which item features a row holds, in order: a selection of {@link ITEM_FEATURE_COLUMNS} resolved to their
 * definitions once, so rows compute only what is asked for. Build one with {@link itemFeatureColumns}.
 */
export interface ItemFeatureColumns {
  readonly names: readonly string[];
  /** For each column: its definition and whether it reads the item's (false) or the creator's (true) state. */
  readonly defs: readonly { readonly creator: boolean; readonly def: FeatureDefinition<ItemFeatureSource> | FeatureDefinition<CreatorFeatureSource> }[];
}

const COLUMN_DEFS = new Map<string, ItemFeatureColumns['defs'][number]>([
  ...ITEM_FEATURE_DEFINITIONS.map((def) => [def.name, { creator: false, def }] as const),
  ...CREATOR_FEATURE_DEFINITIONS.map((def) => [def.name, { creator: true, def }] as const),
]);

/**
 * The columns `names` (default: every item feature, {@link ITEM_FEATURE_COLUMNS}). Throws a bad-request RecsysError
 * naming `<field>[i]` for an unknown or repeated name.
 */
export function itemFeatureColumns(names: readonly string[] = ITEM_FEATURE_COLUMNS, field = 'feature_names'): ItemFeatureColumns {
  const seen = new Set<string>();
  const defs = names.map((name, i) => {
    const column = COLUMN_DEFS.get(name);
    if (column === undefined) throw RecsysError.badRequest(`${field}[${i}]`, `"${name}" is not an item feature (see GetItemFeatures feature_names)`);
    if (seen.has(name)) throw RecsysError.badRequest(`${field}[${i}]`, `"${name}" is named twice`);
    seen.add(name);
    return column;
  });
  return { names: [...names], defs };
}

/** Every item feature. */
const ALL_COLUMNS = itemFeatureColumns();

/** An item's features as a row aligned with the names of an {@link ItemFeatureColumns}. */
export interface ItemFeatureRow {
  values: number[];
  /** Column indexes of the values that are declared defaults, ascending. */
  defaulted: number[];
}

/**
 * The same values as {@link itemView}, as a row aligned with `columns` (default: every item feature, in
 * {@link ITEM_FEATURE_COLUMNS} order): no per-item object keyed by name, and only the asked-for features computed
 * (the feature service answers hundreds of items per call with one shared list of names). O(columns).
 */
export function itemFeatureRow(input: ItemViewInput, nowMs: number, columns: ItemFeatureColumns = ALL_COLUMNS): ItemFeatureRow {
  const values = new Array<number>(columns.defs.length);
  const defaulted: number[] = [];
  const item: ItemFeatureSource = { counters: input.record?.counters, item: input.item, nowMs, sums: undefined, content: undefined };
  const creator: CreatorFeatureSource = { counters: input.creator?.counters, items: input.creatorItems, nowMs, sums: undefined };
  for (let column = 0; column < columns.defs.length; column++) {
    const { creator: ofCreator, def } = columns.defs[column];
    const value = ofCreator ? (def as FeatureDefinition<CreatorFeatureSource>).value(creator) : (def as FeatureDefinition<ItemFeatureSource>).value(item);
    if (value === undefined) defaulted.push(column);
    values[column] = value ?? def.default;
  }
  return { values, defaulted };
}

/** The user×topic features (USER_TOPIC_FEATURES) of one user and topic, from a stored user record. */
export function userTopicFeatures(record: UserRecord | undefined, topic: string, nowMs: number): Record<string, number> {
  const entry = record?.topics.find((t) => t.topic === topic);
  const affinity = topicAffinityOf(record, nowMs);
  const features: Record<string, number> = {};
  computeFeatures(
    USER_TOPIC_FEATURE_DEFINITIONS,
    { counters: entry?.counters, affinity: Object.keys(affinity).length > 0 ? (affinity[topic] ?? 0) : undefined, nowMs },
    features,
    [],
  );
  return features;
}
