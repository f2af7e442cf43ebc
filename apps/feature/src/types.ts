/** Queries and candidates of the feature-read pipelines. */
import type { Item } from '@recsys/domain';
import type { EntityRecord, ItemFeatureColumns, ItemFeatureRow, UserFeatureView, UserRecord } from '@recsys/features';

/** A bus position the state read by a request reflects. */
export interface ReadPosition {
  topic: string;
  partition: number;
  /** Last applied offset. */
  offset: number;
}

/** Filled by a read pipeline's source: which state the read saw (the partitions' watermarks, read with the records). */
export interface ReadSnapshot {
  positions: ReadPosition[];
}

/** A validated GetItemFeatures or GetFeatureColumns request. */
export interface ItemFeaturesQuery {
  /** Requested ids, in request order (may repeat). */
  itemIds: string[];
  /** A user whose record is read in the same store round trip (GetFeatureColumns). */
  userId?: string;
  /** Set by the source with the records when `userId` is set: the user's stored record (undefined when none). */
  user?: { record?: UserRecord };
  /** The item features to compute, in answer order. */
  columns: ItemFeatureColumns;
  /** The time features are computed at, ms since the Unix epoch. */
  nowMs: number;
  /** Set by the source in the same store round trip as the records. */
  snapshot: ReadSnapshot;
}

/** One requested item: its stored records (absent when the store has none) and, after hydration, its features. */
export interface ItemCandidate {
  readonly id: string;
  record?: EntityRecord;
  /** The item's creator's record. */
  creator?: EntityRecord;
  /** Catalog attributes (set by the source; absent outside the catalog). */
  item?: Item;
  /** The item and creator features, aligned with the query's `columns` (set by the hydrator). */
  row?: ItemFeatureRow;
}

/** A validated GetUserFeatures request. */
export interface UserFeaturesQuery {
  userId: string;
  /** The time features are computed at, ms since the Unix epoch. */
  nowMs: number;
  /** Set by the source in the same store round trip as the record. */
  snapshot: ReadSnapshot;
}

/** The requested user: the stored record (absent when the store has none) and, after hydration, the view. */
export interface UserCandidate {
  readonly id: string;
  record?: UserRecord;
  view?: UserFeatureView;
}
