// In-memory recall state rebuilt from the event bus: catalog, users, recent positives, hides and decayed popularity.
import { TimeDecayedPopularity, type ScoredKey } from '@recsys/algorithms';
import { segmentOf, type EngagementEvent, type EventType, type Item, type User } from '@recsys/domain';

/**
 * Popularity weight of each engagement type. Saves and shares are stronger signals than a click; an impression
 * is a weak positive (the item was worth showing); a hide counts against the item. Dwell events carry no extra
 * weight here (the click that opened the close-up already counted).
 */
export const ENGAGEMENT_WEIGHTS: Readonly<Record<EventType, number>> = {
  impression: 0.02,
  click: 1,
  save: 3,
  share: 3,
  hide: -1,
  dwell: 0,
};

/** Event types that make an item one of the user's recent positive interactions. */
const POSITIVE: ReadonlySet<EventType> = new Set(['click', 'save', 'share']);

/** The segment whose popularity is the global table (users with unknown attributes). */
export const ALL_SEGMENT = 'all';

/** Options of {@link RecallIndex}. */
export interface RecallIndexOptions {
  /** Half-life of popularity, ms, > 0. */
  halfLifeMs: number;
  /** Recent positive interactions kept per user. Default 50. */
  recentLimit?: number;
  /** Hidden items kept per user (the oldest are forgotten first). Default 1000. */
  hiddenLimit?: number;
  /** Event ids remembered for de-duplication (the oldest are forgotten first). Default 1,000,000. */
  dedupeCapacity?: number;
  /** Wall clock, ms since the Unix epoch. Default `Date.now`. */
  clock?: () => number;
}

/** A set of ids that forgets its oldest entries beyond a capacity (insertion order). */
class BoundedIdSet {
  private readonly ids = new Set<string>();
  constructor(private readonly capacity: number) {}

  /** Adds `id`; false when it was already present. O(1) amortised. */
  add(id: string): boolean {
    if (this.ids.has(id)) return false;
    this.ids.add(id);
    if (this.ids.size > this.capacity) this.ids.delete(this.ids.values().next().value as string);
    return true;
  }
}

/** Index of the first element of `items` (sorted by createdAtMs, then id) not before (`createdAtMs`, `id`). */
function lowerBound(items: readonly Item[], createdAtMs: number, id: string): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const m = items[mid];
    if (m.createdAtMs < createdAtMs || (m.createdAtMs === createdAtMs && m.id < id)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The state every recall channel reads, kept in memory and rebuilt at start by replaying the catalog and
 * engagement topics (apply order matters only for per-segment attribution, so the app replays the catalog first).
 *
 * - Catalog: items by id, items per topic, items ordered by creation time (for the fresh channel), users by id.
 * - Engagement: per-user recent positive interactions (click/save/share, most recent first, de-duplicated, with
 *   the time of each item's latest positive event), per-user hidden items, and time-decayed popularity (weights {@link ENGAGEMENT_WEIGHTS}) globally, per
 *   segment (`segmentOf(user)` of the user at event time) and per topic of the item.
 * - Idempotent on `eventId` within the last `dedupeCapacity` events.
 *
 * Popularity is measured against {@link RecallIndex.now}: the later of the wall clock and the latest event or
 * catalog time seen. Exponential decay multiplies every score by the same factor when `now` moves, so the choice
 * never changes the order of a popularity list; it only decides the fresh channel's window. Taking the later of
 * the two keeps a replayed log whose timestamps run ahead of this machine's clock (a simulated world) sensible.
 */
export class RecallIndex {
  private readonly items = new Map<string, Item>();
  private readonly users = new Map<string, User>();
  private readonly topicItems = new Map<string, Set<string>>();
  /** Items sorted by (createdAtMs, id), ascending. */
  private readonly byCreation: Item[] = [];
  /** Per user: recent positive item ids, most recent first, and the time of each (parallel arrays). */
  private readonly recent = new Map<string, { ids: string[]; times: number[] }>();
  private readonly hiddenItems = new Map<string, Set<string>>();
  private readonly global: TimeDecayedPopularity;
  private readonly segments = new Map<string, TimeDecayedPopularity>();
  private readonly topics = new Map<string, TimeDecayedPopularity>();
  private readonly seen: BoundedIdSet;
  private readonly halfLifeMs: number;
  private readonly recentLimit: number;
  private readonly hiddenLimit: number;
  private readonly clock: () => number;
  private latestMs = Number.NEGATIVE_INFINITY;
  private eventCount = 0;

  constructor(opts: RecallIndexOptions) {
    this.halfLifeMs = opts.halfLifeMs;
    this.global = new TimeDecayedPopularity({ halfLifeMs: opts.halfLifeMs });
    this.recentLimit = opts.recentLimit ?? 50;
    this.hiddenLimit = opts.hiddenLimit ?? 1000;
    this.seen = new BoundedIdSet(opts.dedupeCapacity ?? 1_000_000);
    this.clock = opts.clock ?? Date.now;
  }

  /** Inserts or replaces a catalog item; `atMs` is the upsert time (advances {@link now}). */
  applyItem(item: Item, atMs?: number): void {
    const previous = this.items.get(item.id);
    if (previous) {
      for (const topic of previous.topics) this.topicItems.get(topic)?.delete(item.id);
      const at = lowerBound(this.byCreation, previous.createdAtMs, previous.id);
      if (this.byCreation[at]?.id === previous.id) this.byCreation.splice(at, 1);
    }
    this.items.set(item.id, item);
    for (const topic of item.topics) {
      let set = this.topicItems.get(topic);
      if (!set) this.topicItems.set(topic, (set = new Set()));
      set.add(item.id);
    }
    this.byCreation.splice(lowerBound(this.byCreation, item.createdAtMs, item.id), 0, item);
    this.advance(atMs);
  }

  /** Inserts or replaces a user's attributes; `atMs` is the upsert time (advances {@link now}). */
  applyUser(user: User, atMs?: number): void {
    this.users.set(user.id, user);
    this.advance(atMs);
  }

  /**
   * Applies one engagement event; returns false (and changes nothing) when its `eventId` was already applied.
   * Per-topic popularity needs the item's topics, so an event on an item not (yet) in the catalog counts
   * globally and per segment only.
   */
  applyEvent(event: EngagementEvent): boolean {
    if (!this.seen.add(event.eventId)) return false;
    this.eventCount++;
    this.advance(event.timestampMs);
    const weight = ENGAGEMENT_WEIGHTS[event.type];
    if (weight !== 0) {
      const t = event.timestampMs;
      this.global.add(event.itemId, weight, t);
      const segment = segmentOf(this.users.get(event.userId));
      if (segment !== ALL_SEGMENT) this.table(this.segments, segment).add(event.itemId, weight, t);
      for (const topic of this.items.get(event.itemId)?.topics ?? []) this.table(this.topics, topic).add(event.itemId, weight, t);
    }
    if (POSITIVE.has(event.type)) this.remember(event.userId, event.itemId, event.timestampMs);
    if (event.type === 'hide') this.hide(event.userId, event.itemId);
    return true;
  }

  /** The time popularity and freshness are measured at: max(wall clock, latest event or upsert time seen). */
  now(): number {
    return Math.max(this.clock(), this.latestMs);
  }

  /** A catalog item, or undefined. */
  item(id: string): Item | undefined {
    return this.items.get(id);
  }

  /** A user's attributes, or undefined for an unknown user. */
  user(id: string): User | undefined {
    return this.users.get(id);
  }

  /** True when the item is in the catalog and not flagged unsafe: only such items are ever recalled. */
  isServable(id: string): boolean {
    const item = this.items.get(id);
    return item !== undefined && !item.unsafe;
  }

  /** The user's last positive interactions (click, save, share), most recent first, without repeats. */
  recentPositives(userId: string): readonly string[] {
    return this.recent.get(userId)?.ids ?? [];
  }

  /**
   * The event time (ms) of each of {@link recentPositives}, in the same order: the time of the latest positive
   * event on that item. Events are kept in arrival order, so a late event older than the user's newest one is
   * still listed first (it is the latest the index learnt about).
   */
  recentPositiveTimes(userId: string): readonly number[] {
    return this.recent.get(userId)?.times ?? [];
  }

  /** Items the user hid (the last `hiddenLimit`). */
  hidden(userId: string): ReadonlySet<string> {
    return this.hiddenItems.get(userId) ?? new Set();
  }

  /** Ids of the catalog items having `topic` among their topics. */
  itemsInTopic(topic: string): ReadonlySet<string> {
    return this.topicItems.get(topic) ?? new Set();
  }

  /** Catalog items created at or after `sinceMs`, oldest first. O(log n + result). */
  itemsCreatedSince(sinceMs: number): readonly Item[] {
    return this.byCreation.slice(lowerBound(this.byCreation, sinceMs, ''));
  }

  /** Global popularity of an item at `nowMs` (may be ≤ 0 after hides). */
  popularity(itemId: string, nowMs: number): number {
    return this.global.score(itemId, nowMs);
  }

  /** The `n` most popular servable items globally, best first, with positive scores only. */
  topPopular(n: number, nowMs: number, accept?: (id: string) => boolean): ScoredKey[] {
    return this.global.top(n, nowMs, this.servableAnd(accept));
  }

  /**
   * The `n` most popular servable items among users of `segment`, best first. Segment {@link ALL_SEGMENT}
   * (users with unknown attributes) reads the global table; a segment without events answers nothing.
   */
  topPopularInSegment(segment: string, n: number, nowMs: number, accept?: (id: string) => boolean): ScoredKey[] {
    if (segment === ALL_SEGMENT) return this.topPopular(n, nowMs, accept);
    return this.segments.get(segment)?.top(n, nowMs, this.servableAnd(accept)) ?? [];
  }

  /** The `n` most popular servable items currently in `topic`, best first. */
  topPopularInTopic(topic: string, n: number, nowMs: number, accept?: (id: string) => boolean): ScoredKey[] {
    const table = this.topics.get(topic);
    if (!table) return [];
    const filter = this.servableAnd(accept);
    return table.top(n, nowMs, (id) => filter(id) && (this.items.get(id)?.topics.includes(topic) ?? false));
  }

  /** Sizes of the state, for start-up logs. */
  stats(): { items: number; users: number; events: number; topics: number; segments: number } {
    return { items: this.items.size, users: this.users.size, events: this.eventCount, topics: this.topicItems.size, segments: this.segments.size };
  }

  private servableAnd(accept?: (id: string) => boolean): (id: string) => boolean {
    return accept ? (id) => this.isServable(id) && accept(id) : (id) => this.isServable(id);
  }

  private table(tables: Map<string, TimeDecayedPopularity>, key: string): TimeDecayedPopularity {
    let table = tables.get(key);
    if (!table) tables.set(key, (table = new TimeDecayedPopularity({ halfLifeMs: this.halfLifeMs })));
    return table;
  }

  private remember(userId: string, itemId: string, atMs: number): void {
    let list = this.recent.get(userId);
    if (!list) this.recent.set(userId, (list = { ids: [], times: [] }));
    const at = list.ids.indexOf(itemId);
    if (at >= 0) {
      list.ids.splice(at, 1);
      list.times.splice(at, 1);
    }
    list.ids.unshift(itemId);
    list.times.unshift(atMs);
    if (list.ids.length > this.recentLimit) {
      list.ids.length = this.recentLimit;
      list.times.length = this.recentLimit;
    }
  }

  private hide(userId: string, itemId: string): void {
    let set = this.hiddenItems.get(userId);
    if (!set) this.hiddenItems.set(userId, (set = new Set()));
    set.delete(itemId);
    set.add(itemId);
    if (set.size > this.hiddenLimit) set.delete(set.values().next().value as string);
  }

  private advance(atMs: number | undefined): void {
    if (atMs !== undefined && Number.isFinite(atMs) && atMs > this.latestMs) this.latestMs = atMs;
  }
}
