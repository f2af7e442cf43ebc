/** Domain types shared by services and libraries. Wire types stay in `@recsys/contracts`. */

/** Product surface a page is requested for. */
export type Surface = 'home_feed' | 'related_pins';

/** Every surface. */
export const SURFACES: readonly Surface[] = ['home_feed', 'related_pins'];

/** What a user did with a pin. */
export type EventType = 'impression' | 'click' | 'save' | 'share' | 'hide' | 'dwell';

/** Every event type, in wire enum order. */
export const EVENT_TYPES: readonly EventType[] = ['impression', 'click', 'save', 'share', 'hide', 'dwell'];

/** Registration age range. */
export type AgeBucket = 'unknown' | '18-24' | '25-34' | '35-44' | '45-54' | '55+';

/** Every age bucket, in wire enum order. */
export const AGE_BUCKETS: readonly AgeBucket[] = ['unknown', '18-24', '25-34', '35-44', '45-54', '55+'];

/** Registration gender. */
export type Gender = 'unknown' | 'female' | 'male' | 'other';

/** Every gender, in wire enum order. */
export const GENDERS: readonly Gender[] = ['unknown', 'female', 'male', 'other'];

/** A pin in the catalog. */
export interface Item {
  id: string;
  creatorId: string;
  /** Topic ids, the primary topic first. */
  topics: string[];
  /** Image width / height. */
  aspectRatio: number;
  /** Creation time, ms since the Unix epoch. */
  createdAtMs: number;
  /** Quality in [0, 1]. */
  quality: number;
  /** Content embedding; may be empty. */
  embedding: number[];
  /** Business-rule flag: never served. */
  unsafe: boolean;
}

/** A user's registration attributes. */
export interface User {
  id: string;
  ageBucket: AgeBucket;
  gender: Gender;
  /** ISO 3166-1 alpha-2 country code, upper case; empty when unknown. */
  country: string;
  /** Sign-up time, ms since the Unix epoch. */
  signupAtMs: number;
}

/** One user action on one pin. */
export interface EngagementEvent {
  /** Client-made unique id; processing is idempotent on it. */
  eventId: string;
  userId: string;
  itemId: string;
  type: EventType;
  /** ms since the Unix epoch. */
  timestampMs: number;
  /** Dwell time in ms (`dwell` events only). */
  dwellMs: number;
  requestId: string;
  position: number;
  surface: string;
  boardId: string;
}

/**
 * Counts of engagement: impressions, clicks, saves, shares, hides and close-up dwell (ms). Summed or averaged per page
 * by the simulator's evaluation and the closed loop, per user by an experiment's analysis.
 */
export interface EngagementCounts {
  impressions: number;
  clicks: number;
  saves: number;
  shares: number;
  hides: number;
  /** Close-up dwell, ms. */
  dwellMs: number;
}

/** Counts of nothing. */
export function emptyEngagementCounts(): EngagementCounts {
  return { impressions: 0, clicks: 0, saves: 0, shares: 0, hides: 0, dwellMs: 0 };
}

/** Adds `x` to `into`, field by field. */
export function addEngagementCounts(into: EngagementCounts, x: EngagementCounts): void {
  into.impressions += x.impressions;
  into.clicks += x.clicks;
  into.saves += x.saves;
  into.shares += x.shares;
  into.hides += x.hides;
  into.dwellMs += x.dwellMs;
}

/** The segment key used by per-segment popularity and cold start: country and age bucket. */
export function segmentOf(user: Pick<User, 'country' | 'ageBucket'> | undefined): string {
  if (!user) return 'all';
  return `${user.country || '-'}|${user.ageBucket}`;
}
