// In-memory recall state rebuilt from the event bus: catalog, users, recent positives, hides and decayed popularity.
import { DecayedScoreHeap, RecentIdSet, type DecayedScoreCursor, type TopKeys } from '@recsys/algorithms';
import { segmentOf, type EngagementEvent, type EventType, type Item, type User } from '@recsys/domain';
import { FreshItems } from './fresh-items';
import { ItemIds } from './item-ids';

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

/** Default age limit of {@link RecallIndex.topFresh}: 3 days (config `RECALL_FRESH_WINDOW_MS`). */
export const DEFAULT_FRESH_WINDOW_MS = 3 * 24 * 3_600_000;

/** Options of {@link RecallIndex}. */
export interface RecallIndexOptions {
  /** Half-life of popularity, ms, > 0. */
  halfLifeMs: number;
  /** How old an item may be to be listed by {@link RecallIndex.topFresh}, ms. Default {@link DEFAULT_FRESH_WINDOW_MS}. */
  freshWindowMs?: number;
  /** Recent positive interactions kept per user. Default 50. */
  recentLimit?: number;
  /** Hidden items kept per user (the oldest are forgotten first). Default 1000. */
  hiddenLimit?: number;
  /**
   * Event ids remembered for de-duplication (the oldest are forgotten first; held as 53-bit hashes, 24 bytes each,
   * see `RecentIdSet`). Default 1,000,000.
   */
  dedupeCapacity?: number;
  /** Wall clock, ms since the Unix epoch. Default `Date.now`. */
  clock?: () => number;
  /** The item-id interner to share (with the save graph and the models). Default: a new one. */
  ids?: ItemIds;
}

/** What the index keeps per user. */
interface UserState {
  /** Registration attributes; undefined for a user only seen in events. */
  user: User | undefined;
  /** `segmentOf(user)`, and its popularity table (undefined for {@link ALL_SEGMENT}). */
  segment: string;
  segmentTable: DecayedScoreHeap | undefined;
  /** Recent positive items (item indexes), most recent first, and the time of each. */
  recentItems: number[];
  recentTimes: number[];
  /** Hidden item ids, oldest first. */
  hidden: Set<string> | undefined;
}

const NO_HIDDEN: ReadonlySet<string> = new Set();

/**
 * The state every recall channel reads, kept in memory and rebuilt at start by replaying the catalog and
 * engagement topics (apply order matters only for per-segment attribution, so the app replays the catalog first).
 *
 * - Items are interned ({@link ItemIds}): per-item facts live in arrays by item index and the channels work on
 *   indexes. Catalog: the item of each index and whether it is servable (in the catalog and not unsafe), the items
 *   of each topic, the fresh items ({@link topFresh}), users by id.
 * - Engagement: per-user recent positive interactions (click/save/share, most recent first, de-duplicated, with
 *   the time of each item's latest positive event), per-user hidden items, and time-decayed popularity (weights
 *   {@link ENGAGEMENT_WEIGHTS}) globally and per segment (`segmentOf(user)` of the user at event time). The popularity
 *   of a topic is the global popularity of the catalog items currently in it (an item that changes topics takes its
 *   popularity along; an event on an item not yet in the catalog counts for its topics once the item arrives).
 * - Idempotent on `eventId` within the last `dedupeCapacity` events (ids compared by a 53-bit hash: see
 *   `RecentIdSet` for the chance of two ids taken for one).
 * - Costs: an event is O(log K) per table it updates (global, segment, each topic of the item, fresh); the
 *   top-n reads are O(n log n) (plus items rejected by the filter), independent of the catalogue size.
 *
 * Popularity is measured against {@link RecallIndex.now}: the later of the wall clock and the latest event or
 * catalog time seen. Exponential decay multiplies every score by the same factor when `now` moves, so the choice
 * never changes the order of a popularity list; it only decides the fresh channel's window. Taking the later of
 * the two keeps a replayed log whose timestamps run ahead of this machine's clock (a simulated world) sensible.
 */
export class RecallIndex {
  /** The item-id interner of the state (shared with the save graph and the loaded models). */
  readonly ids: ItemIds;
  private items: (Item | undefined)[] = [];
  private servable = new Uint8Array(1024);
  private readonly users = new Map<string, UserState>();
  private readonly topicItems = new Map<string, Set<number>>();
  private readonly global: DecayedScoreHeap;
  private readonly segments = new Map<string, DecayedScoreHeap>();
  private readonly topics = new Map<string, DecayedScoreHeap>();
  /** The popularity tables of each item's topics (one shared array per distinct topic list). */
  private itemTopicTables: (readonly DecayedScoreHeap[] | undefined)[] = [];
  private readonly topicListTables = new Map<string, readonly DecayedScoreHeap[]>();
  private readonly fresh: FreshItems;
  private readonly seen: RecentIdSet;
  private readonly halfLifeMs: number;
  private readonly recentLimit: number;
  private readonly hiddenLimit: number;
  private readonly clock: () => number;
  /** Ties of equal popularity: by item id, ascending. */
  private readonly byId: (a: number, b: number) => boolean;
  private latestMs = Number.NEGATIVE_INFINITY;
  private eventCount = 0;
  private itemCount = 0;

  constructor(opts: RecallIndexOptions) {
    this.halfLifeMs = opts.halfLifeMs;
    this.ids = opts.ids ?? new ItemIds();
    const ids = this.ids;
    this.byId = (a, b) => ids.id(a) < ids.id(b);
    this.global = new DecayedScoreHeap({ halfLifeMs: opts.halfLifeMs, dense: true, tieBreak: this.byId });
    this.fresh = new FreshItems({ windowMs: opts.freshWindowMs ?? DEFAULT_FRESH_WINDOW_MS, popularity: this.global, idOf: (i) => ids.id(i) });
    this.recentLimit = opts.recentLimit ?? 50;
    this.hiddenLimit = opts.hiddenLimit ?? 1000;
    this.seen = new RecentIdSet(opts.dedupeCapacity ?? 1_000_000);
    this.clock = opts.clock ?? Date.now;
  }

  /** Inserts or replaces a catalog item; `atMs` is the upsert time (advances {@link now}). */
  applyItem(item: Item, atMs?: number): void {
    this.advance(atMs);
    const i = this.ids.intern(item.id);
    const previous = this.items[i];
    if (previous === undefined) this.itemCount++;
    else {
      for (const topic of previous.topics) {
        if (item.topics.includes(topic)) continue;
        this.topicItems.get(topic)?.delete(i);
        this.topics.get(topic)?.delete(i);
      }
    }
    this.items[i] = item;
    if (i >= this.servable.length) {
      const grown = new Uint8Array(Math.max(i + 1, 2 * this.servable.length));
      grown.set(this.servable);
      this.servable = grown;
    }
    this.servable[i] = item.unsafe ? 0 : 1;
    const tables = this.tablesOf(item.topics);
    this.itemTopicTables[i] = tables;
    for (const topic of item.topics) {
      let set = this.topicItems.get(topic);
      if (!set) this.topicItems.set(topic, (set = new Set()));
      set.add(i);
    }
    if (this.global.has(i)) for (const table of tables) table.set(i, this.global.valueOf(i), this.global.timeOf(i));
    this.fresh.upsert(i, item.createdAtMs, !item.unsafe, this.now());
  }

  /** Inserts or replaces a user's attributes; `atMs` is the upsert time (advances {@link now}). */
  applyUser(user: User, atMs?: number): void {
    const state = this.userState(user.id);
    state.user = user;
    state.segment = segmentOf(user);
    state.segmentTable = state.segment === ALL_SEGMENT ? undefined : this.table(this.segments, state.segment);
    this.advance(atMs);
  }

  /** Applies one engagement event; returns false (and changes nothing) when its `eventId` was already applied. */
  applyEvent(event: EngagementEvent): boolean {
    if (!this.seen.add(event.eventId)) return false;
    this.eventCount++;
    this.advance(event.timestampMs);
    const weight = ENGAGEMENT_WEIGHTS[event.type];
    const positive = POSITIVE.has(event.type);
    const hide = event.type === 'hide';
    if (weight === 0 && !positive && !hide) return true;
    const i = this.ids.intern(event.itemId);
    const t = event.timestampMs;
    const state = positive || hide ? this.userState(event.userId) : this.users.get(event.userId);
    if (weight !== 0) {
      const global = this.global;
      global.add(i, weight, t);
      state?.segmentTable?.add(i, weight, t);
      const tables = this.itemTopicTables[i];
      if (tables !== undefined) {
        const value = global.valueOf(i);
        const at = global.timeOf(i);
        for (const table of tables) table.set(i, value, at);
      }
      this.fresh.touch(i);
    }
    if (positive && state) this.remember(state, i, t);
    if (hide && state) this.hide(state, event.itemId);
    return true;
  }

  /** The time popularity and freshness are measured at: max(wall clock, latest event or upsert time seen). */
  now(): number {
    return Math.max(this.clock(), this.latestMs);
  }

  /** A catalog item by id, or undefined. */
  item(id: string): Item | undefined {
    const i = this.ids.index(id);
    return i === undefined ? undefined : this.items[i];
  }

  /** The catalog item of index `i`, or undefined. */
  itemAt(i: number): Item | undefined {
    return this.items[i];
  }

  /** A user's attributes, or undefined for an unknown user. */
  user(id: string): User | undefined {
    return this.users.get(id)?.user;
  }

  /** The popularity segment of a user (`segmentOf` of its attributes, {@link ALL_SEGMENT} when unknown). */
  segmentOfUser(id: string): string {
    return this.users.get(id)?.segment ?? ALL_SEGMENT;
  }

  /** True when the item is in the catalog and not flagged unsafe: only such items are ever recalled. */
  isServable(id: string): boolean {
    const i = this.ids.index(id);
    return i !== undefined && this.servable[i] === 1;
  }

  /** {@link isServable} by item index. O(1). */
  isServableAt(i: number): boolean {
    return this.servable[i] === 1;
  }

  /** The user's last positive interactions (click, save, share), most recent first, without repeats. */
  recentPositives(userId: string): string[] {
    return (this.users.get(userId)?.recentItems ?? []).map((i) => this.ids.id(i));
  }

  /** The item indexes of {@link recentPositives}. */
  recentItems(userId: string): readonly number[] {
    return this.users.get(userId)?.recentItems ?? [];
  }

  /**
   * The event time (ms) of each of {@link recentPositives}, in the same order: the time of the latest positive
   * event on that item. Events are kept in arrival order, so a late event older than the user's newest one is
   * still listed first (it is the latest the index learnt about).
   */
  recentPositiveTimes(userId: string): readonly number[] {
    return this.users.get(userId)?.recentTimes ?? [];
  }

  /** Items the user hid (the last `hiddenLimit`). */
  hidden(userId: string): ReadonlySet<string> {
    return this.users.get(userId)?.hidden ?? NO_HIDDEN;
  }

  /** Indexes of the catalog items having `topic` among their topics (O(items of the topic): not for requests). */
  itemsInTopic(topic: string): ReadonlySet<number> {
    return this.topicItems.get(topic) ?? new Set();
  }

  /** Global popularity of an item at `nowMs` (may be ≤ 0 after hides). */
  popularity(itemId: string, nowMs: number): number {
    const i = this.ids.index(itemId);
    return i === undefined ? 0 : this.global.score(i, nowMs);
  }

  /** {@link popularity} by item index. O(1). */
  popularityAt(i: number, nowMs: number): number {
    return this.global.score(i, nowMs);
  }

  /** The `n` most popular servable items globally (item indexes), best first, with positive scores only. */
  topPopular(n: number, nowMs: number, accept?: (item: number) => boolean): TopKeys {
    return this.global.top(n, nowMs, this.servableAnd(accept));
  }

  /**
   * The `n` most popular servable items among users of `segment`, best first. Segment {@link ALL_SEGMENT}
   * (users with unknown attributes) reads the global table; a segment without events answers nothing.
   */
  topPopularInSegment(segment: string, n: number, nowMs: number, accept?: (item: number) => boolean): TopKeys {
    if (segment === ALL_SEGMENT) return this.topPopular(n, nowMs, accept);
    return this.segments.get(segment)?.top(n, nowMs, this.servableAnd(accept)) ?? EMPTY_TOP;
  }

  /** The `n` most popular servable items currently in `topic`, best first. */
  topPopularInTopic(topic: string, n: number, nowMs: number, accept?: (item: number) => boolean): TopKeys {
    return this.topics.get(topic)?.top(n, nowMs, this.servableAnd(accept)) ?? EMPTY_TOP;
  }

  /**
   * A best-first walk over the items currently in `topic` with a positive popularity (servable or not), by
   * popularity; undefined for a topic without any. The index must not change while it is in use.
   */
  topicCursor(topic: string): DecayedScoreCursor | undefined {
    return this.topics.get(topic)?.cursor();
  }

  /** The popularity score an anchor of {@link topicCursor} stands for at `nowMs`. */
  scoreOfAnchor(anchor: number, nowMs: number): number {
    return anchor === Number.NEGATIVE_INFINITY ? 0 : Math.pow(2, anchor - nowMs / this.halfLifeMs);
  }

  /**
   * The first `n` servable items created within the fresh window before `nowMs` that `accept` admits, ranked by
   * global popularity at `nowMs` (0 without engagement), then newest first, then id (see {@link FreshItems}).
   * O(n log n), independent of the number of fresh items.
   */
  topFresh(n: number, nowMs: number, accept?: (item: number) => boolean): number[] {
    return this.fresh.top(n, nowMs, this.servableAnd(accept));
  }

  /** Up to `n` users with recent positive interactions (the first found; for warming up). O(users scanned). */
  usersWithHistory(n: number): string[] {
    const out: string[] = [];
    for (const [id, state] of this.users) {
      if (out.length >= n) break;
      if (state.recentItems.length > 0) out.push(id);
    }
    return out;
  }

  /** Sizes of the state, for start-up logs. */
  stats(): { items: number; users: number; events: number; topics: number; segments: number; fresh: number } {
    return { items: this.itemCount, users: this.users.size, events: this.eventCount, topics: this.topicItems.size, segments: this.segments.size, fresh: this.fresh.size };
  }

  private servableAnd(accept?: (item: number) => boolean): (item: number) => boolean {
    const servable = this.servable;
    return accept ? (i) => servable[i] === 1 && accept(i) : (i) => servable[i] === 1;
  }

  private table(tables: Map<string, DecayedScoreHeap>, key: string): DecayedScoreHeap {
    let table = tables.get(key);
    if (!table) tables.set(key, (table = new DecayedScoreHeap({ halfLifeMs: this.halfLifeMs, tieBreak: this.byId })));
    return table;
  }

  /** The topic tables of a topic list, shared by every item with the same list. */
  private tablesOf(topics: readonly string[]): readonly DecayedScoreHeap[] {
    const key = topics.join('\u0000');
    let tables = this.topicListTables.get(key);
    if (!tables) this.topicListTables.set(key, (tables = [...new Set(topics)].map((t) => this.table(this.topics, t))));
    return tables;
  }

  private userState(userId: string): UserState {
    let state = this.users.get(userId);
    if (!state) {
      state = { user: undefined, segment: ALL_SEGMENT, segmentTable: undefined, recentItems: [], recentTimes: [], hidden: undefined };
      this.users.set(userId, state);
    }
    return state;
  }

  private remember(state: UserState, item: number, atMs: number): void {
    const { recentItems: ids, recentTimes: times } = state;
    const at = ids.indexOf(item);
    if (at >= 0) {
      ids.splice(at, 1);
      times.splice(at, 1);
    }
    ids.unshift(item);
    times.unshift(atMs);
    if (ids.length > this.recentLimit) {
      ids.length = this.recentLimit;
      times.length = this.recentLimit;
    }
  }

  private hide(state: UserState, itemId: string): void {
    const set = (state.hidden ??= new Set());
    set.delete(itemId);
    set.add(itemId);
    if (set.size > this.hiddenLimit) set.delete(set.values().next().value as string);
  }

  private advance(atMs: number | undefined): void {
    if (atMs !== undefined && Number.isFinite(atMs) && atMs > this.latestMs) this.latestMs = atMs;
  }
}

const EMPTY_TOP: TopKeys = { keys: new Int32Array(0), scores: new Float64Array(0) };
