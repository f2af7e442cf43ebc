/** Queries and candidates of the feature-read pipelines. */
import type { ItemFeatureView, ItemRecord, UserFeatureView, UserRecord } from '@recsys/features';

/** A validated GetItemFeatures request. */
export interface ItemFeaturesQuery {
  /** Requested ids, in request order (may repeat). */
  itemIds: string[];
  /** The time features are computed at, ms since the Unix epoch. */
  nowMs: number;
}

/** One requested item: its stored record (absent when the store has none) and, after hydration, its view. */
export interface ItemCandidate {
  readonly id: string;
  record?: ItemRecord;
  view?: ItemFeatureView;
}

/** A validated GetUserFeatures request. */
export interface UserFeaturesQuery {
  userId: string;
  /** The time features are computed at, ms since the Unix epoch. */
  nowMs: number;
}

/** The requested user: the stored record (absent when the store has none) and, after hydration, the view. */
export interface UserCandidate {
  readonly id: string;
  record?: UserRecord;
  view?: UserFeatureView;
}
