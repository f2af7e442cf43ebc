// The feature-store records: the raw state behind one user's or one item's features, as plain data.

import type { Item, User } from '@recsys/domain';

/** A counter block as plain numbers, in COUNTER_NAMES order. */
export type CounterValues = number[];

/** One recent positive interaction. */
export interface RecentItem {
  itemId: string;
  /** Time of the latest positive interaction with the item, ms since the Unix epoch. */
  atMs: number;
}

/** A user's state for one topic. */
export interface UserTopicRecord {
  topic: string;
  counters: CounterValues;
  /** Raw (unnormalised) decayed affinity, ≥ 0, as of `affinityAtMs`. */
  affinity: number;
  /** When `affinity` was last updated, ms since the Unix epoch (0 when never). */
  affinityAtMs: number;
}

/**
 * Everything stored for one user. Views are computed from it at read time (`userViewFromRecord`), so
 * time-dependent features (decay, account age) are exact whenever they are read.
 */
export interface UserRecord {
  userId: string;
  /** Registration attributes; absent until the user is upserted. */
  user?: User;
  /** Absent before the user's first event. */
  counters?: CounterValues;
  /** At most RECENT_ITEMS_LIMIT entries, most recent first, one per item. */
  recent: RecentItem[];
  /** One entry per topic the user has had events on, sorted by topic id. */
  topics: UserTopicRecord[];
}

/** A creator's state, embedded in each of the creator's item records. */
export interface CreatorRecord {
  creatorId: string;
  /** Absent before the first event on any of the creator's pins. */
  counters?: CounterValues;
  /** Pins of the creator in the catalog. */
  items: number;
}

/**
 * Everything stored for one item, including a snapshot of its creator's state taken when the record was
 * written (so one store read serves item and creator features; the creator part refreshes whenever the
 * item's record is rewritten).
 */
export interface ItemRecord {
  itemId: string;
  /** Catalog attributes; absent when the item is not in the catalog. */
  item?: Item;
  /** Absent before the item's first event. */
  counters?: CounterValues;
  /** Absent when the item is not in the catalog. */
  creator?: CreatorRecord;
}
