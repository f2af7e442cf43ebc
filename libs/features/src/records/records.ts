// The feature-store records: the raw state behind one user's, item's or creator's features, as plain data.

import type { CounterBlock } from '../state/counter-block';

/** One recent positive interaction. */
export interface RecentItem {
  itemId: string;
  /** Time of the latest positive interaction with the item, ms since the Unix epoch. */
  atMs: number;
}

/** A user's state for one topic. */
export interface UserTopicRecord {
  topic: string;
  counters: CounterBlock;
  /** Raw (unnormalised) decayed affinity, ≥ 0, as of `affinityAtMs`. */
  affinity: number;
  /** When `affinity` was last updated, ms since the Unix epoch (−Infinity when never). */
  affinityAtMs: number;
}

/**
 * Everything the event stream keeps for one user. Views are computed from it at read time, so time-dependent
 * features (windows, decay, recency) are exact whenever they are read. Registration attributes live in the catalog.
 */
export interface UserRecord {
  counters: CounterBlock;
  /** At most RECENT_ITEMS_LIMIT entries, most recent first, one per item. */
  recent: RecentItem[];
  /** One entry per topic the user has had events on, sorted by topic id. */
  topics: UserTopicRecord[];
}

/** Everything the event stream keeps for one item or one creator: its counters. */
export interface EntityRecord {
  counters: CounterBlock;
}
