// The feature engine: catalog, users and event counters in memory; the same code for stream and replay.

import { addDecayed } from '@recsys/algorithms';
import type { EngagementEvent, Item, User } from '@recsys/domain';
import { AFFINITY_WEIGHTS, COUNTER_COUNT, RECENT_ITEM_EVENTS, countEvent, isKnownEventType } from '../definitions/event-updates';
import { AFFINITY_HALF_LIFE_MS, DEDUPE_BUCKET_MS, DEDUPE_WINDOW_MS, RECENT_ITEMS_LIMIT, TOPIC_SHARE } from '../definitions/knobs';
import type { CreatorRecord, ItemRecord, UserRecord, UserTopicRecord } from '../records/records';
import { itemViewFromRecord, userViewFromRecord, type ItemFeatureView, type UserFeatureView } from '../views/views';
import { CounterArena } from './counter-arena';
import { EventIdWindow } from './event-id-window';

/** Options of {@link FeatureEngine}. They change which events are accepted, never how values are computed. */
export interface FeatureEngineOptions {
  /** How long event ids are remembered for deduplication, ms (event time). Default 24 h. */
  dedupeWindowMs?: number;
  /** Granularity of forgetting event ids, ms. Default 1 h. */
  dedupeBucketMs?: number;
}

/** Counts of what the engine holds and what it rejected. */
export interface FeatureEngineStats {
  users: number;
  items: number;
  creators: number;
  /** User×topic pairs with state. */
  userTopics: number;
  /** Event ids in the dedupe window. */
  dedupeIds: number;
  applied: number;
  duplicates: number;
  /** Events older than the dedupe window (not applied: their id could not be checked). */
  late: number;
  /** Events without an id, with an unknown type or a non-finite timestamp. */
  invalid: number;
}

/** Keys whose stored record changed since the last {@link FeatureEngine.takeDirty}. */
export interface DirtyKeys {
  userIds: string[];
  itemIds: string[];
}

/** Slots of a user×topic row: the counter block, then raw affinity and its update time. */
const TOPIC_AFFINITY = COUNTER_COUNT;
const TOPIC_AFFINITY_AT = COUNTER_COUNT + 1;
const TOPIC_WIDTH = COUNTER_COUNT + 2;
const NO_ROW = -1;

interface UserState {
  user?: User;
  /** Offset of the user's counter row, or NO_ROW before the first event. */
  row: number;
  /** Recent positive interactions, most recent first (parallel arrays). */
  recentIds: string[];
  recentAt: number[];
  /** Topic → offset of the user×topic row. */
  topics?: Map<string, number>;
}

interface ItemState {
  item?: Item;
  row: number;
}

interface CreatorState {
  row: number;
  /** Catalog items naming this creator. */
  items: number;
}

function copyItem(item: Item): Item {
  return {
    id: item.id,
    creatorId: item.creatorId,
    topics: [...item.topics],
    aspectRatio: item.aspectRatio,
    createdAtMs: item.createdAtMs,
    quality: item.quality,
    embedding: Array.from(item.embedding),
    unsafe: item.unsafe,
  };
}

function copyUser(user: User): User {
  return { id: user.id, ageBucket: user.ageBucket, gender: user.gender, country: user.country, signupAtMs: user.signupAtMs };
}

/**
 * Holds the catalog, users and all event-derived feature state in memory, and computes feature views.
 * The feature service's stream processor and offline training replay both drive this class with the same
 * inputs in the same order, so they produce the same values (apply the catalog before the events whose
 * creator and topic state should be updated: an event on an item not yet in the catalog updates the item
 * and user counters only).
 *
 * Memory: counters live in typed-array arenas (56 bytes per user, item and creator; 72 bytes per
 * user×topic pair), plus one small object per user and item, up to 50 recent ids per user, and the
 * dedupe window (≈ 50 bytes per event id in the window).
 *
 * Idempotency: `applyEvent` remembers event ids for `dedupeWindowMs` of event time and ignores repeats;
 * an event older than that window is rejected as `late`.
 */
export class FeatureEngine {
  private readonly users = new Map<string, UserState>();
  private readonly items = new Map<string, ItemState>();
  private readonly creators = new Map<string, CreatorState>();
  private readonly userCounters = new CounterArena(COUNTER_COUNT);
  private readonly itemCounters = new CounterArena(COUNTER_COUNT);
  private readonly creatorCounters = new CounterArena(COUNTER_COUNT);
  private readonly topicRows = new CounterArena(TOPIC_WIDTH);
  private readonly dedupe: EventIdWindow;
  private dirtyUsers = new Set<string>();
  private dirtyItems = new Set<string>();
  private readonly counts = { applied: 0, duplicates: 0, late: 0, invalid: 0 };

  constructor(opts: FeatureEngineOptions = {}) {
    this.dedupe = new EventIdWindow(opts.dedupeWindowMs ?? DEDUPE_WINDOW_MS, opts.dedupeBucketMs ?? DEDUPE_BUCKET_MS);
  }

  /** Inserts or replaces a catalog item (a copy is kept). O(topics + embedding). */
  applyCatalogItem(item: Item): void {
    const state = this.itemState(item.id);
    const previousCreator = state.item?.creatorId;
    if (previousCreator !== item.creatorId) {
      if (previousCreator !== undefined) this.creatorState(previousCreator).items--;
      this.creatorState(item.creatorId).items++;
    }
    state.item = copyItem(item);
    this.dirtyItems.add(item.id);
  }

  /** Inserts or replaces a user's registration attributes (a copy is kept). O(1). */
  applyUser(user: User): void {
    this.userState(user.id).user = copyUser(user);
    this.dirtyUsers.add(user.id);
  }

  /**
   * Applies one engagement event to every counter it touches. Returns false, changing nothing, when the
   * event id was already applied within the dedupe window, when the event is older than that window, or
   * when the event is malformed (empty id, unknown type, non-finite time). O(topics of the item + 50).
   */
  applyEvent(e: EngagementEvent): boolean {
    if (!e.eventId || !isKnownEventType(e.type) || !Number.isFinite(e.timestampMs) || !e.userId || !e.itemId) {
      this.counts.invalid++;
      return false;
    }
    const verdict = this.dedupe.offer(e.eventId, e.timestampMs);
    if (verdict !== 'new') {
      this.counts[verdict === 'duplicate' ? 'duplicates' : 'late']++;
      return false;
    }
    const dwellMs = Number.isFinite(e.dwellMs) ? e.dwellMs : 0;

    const itemState = this.itemState(e.itemId);
    if (itemState.row === NO_ROW) itemState.row = this.itemCounters.allocate();
    countEvent(this.itemCounters.data, itemState.row, e.type, dwellMs);

    const userState = this.userState(e.userId);
    if (userState.row === NO_ROW) userState.row = this.userCounters.allocate();
    countEvent(this.userCounters.data, userState.row, e.type, dwellMs);

    const item = itemState.item;
    if (item) {
      const creator = this.creatorState(item.creatorId);
      if (creator.row === NO_ROW) creator.row = this.creatorCounters.allocate();
      countEvent(this.creatorCounters.data, creator.row, e.type, dwellMs);
      this.applyTopics(userState, item, e, dwellMs);
    }

    if (RECENT_ITEM_EVENTS.has(e.type)) this.rememberRecent(userState, e.itemId, e.timestampMs);

    this.dirtyUsers.add(e.userId);
    this.dirtyItems.add(e.itemId);
    this.counts.applied++;
    return true;
  }

  /** The features of a user at `nowMs`; declared defaults and `known: false` for an unknown user. */
  userFeatures(userId: string, nowMs: number): UserFeatureView {
    return userViewFromRecord(userId, this.userRecord(userId), nowMs);
  }

  /** The features of an item (and its creator) at `nowMs`; defaults and `known: false` outside the catalog. */
  itemFeatures(itemId: string, nowMs: number): ItemFeatureView {
    return itemViewFromRecord(itemId, this.itemRecord(itemId), nowMs);
  }

  /** The storable state of a user, or undefined when the engine has none. */
  userRecord(userId: string): UserRecord | undefined {
    const state = this.users.get(userId);
    if (!state) return undefined;
    const topics: UserTopicRecord[] = [];
    if (state.topics) {
      const data = this.topicRows.data;
      for (const topic of [...state.topics.keys()].sort()) {
        const row = state.topics.get(topic) as number;
        const at = data[row + TOPIC_AFFINITY_AT];
        topics.push({
          topic,
          counters: this.topicRows.read(row, COUNTER_COUNT),
          affinity: data[row + TOPIC_AFFINITY],
          affinityAtMs: Number.isFinite(at) ? at : 0,
        });
      }
    }
    return {
      userId,
      ...(state.user && { user: copyUser(state.user) }),
      ...(state.row !== NO_ROW && { counters: this.userCounters.read(state.row) }),
      recent: state.recentIds.map((itemId, i) => ({ itemId, atMs: state.recentAt[i] })),
      topics,
    };
  }

  /** The storable state of an item with a snapshot of its creator's, or undefined when the engine has none. */
  itemRecord(itemId: string): ItemRecord | undefined {
    const state = this.items.get(itemId);
    if (!state) return undefined;
    let creator: CreatorRecord | undefined;
    if (state.item) {
      const c = this.creatorState(state.item.creatorId);
      creator = { creatorId: state.item.creatorId, ...(c.row !== NO_ROW && { counters: this.creatorCounters.read(c.row) }), items: c.items };
    }
    return {
      itemId,
      ...(state.item && { item: copyItem(state.item) }),
      ...(state.row !== NO_ROW && { counters: this.itemCounters.read(state.row) }),
      ...(creator && { creator }),
    };
  }

  /**
   * The users and items whose record changed since the previous call (then forgotten), for the stream
   * processor to write. An event marks its user and item; the creator snapshot inside other items of the
   * same creator refreshes when those items are next written.
   */
  takeDirty(): DirtyKeys {
    const dirty = { userIds: [...this.dirtyUsers], itemIds: [...this.dirtyItems] };
    this.dirtyUsers = new Set();
    this.dirtyItems = new Set();
    return dirty;
  }

  /** Sizes and rejection counts. */
  stats(): FeatureEngineStats {
    return {
      users: this.users.size,
      items: this.items.size,
      creators: this.creators.size,
      userTopics: this.topicRows.rows,
      dedupeIds: this.dedupe.size,
      ...this.counts,
    };
  }

  private userState(userId: string): UserState {
    let state = this.users.get(userId);
    if (!state) {
      state = { row: NO_ROW, recentIds: [], recentAt: [] };
      this.users.set(userId, state);
    }
    return state;
  }

  private itemState(itemId: string): ItemState {
    let state = this.items.get(itemId);
    if (!state) {
      state = { row: NO_ROW };
      this.items.set(itemId, state);
    }
    return state;
  }

  private creatorState(creatorId: string): CreatorState {
    let state = this.creators.get(creatorId);
    if (!state) {
      state = { row: NO_ROW, items: 0 };
      this.creators.set(creatorId, state);
    }
    return state;
  }

  /** User×topic counters for every topic of the item, and affinity weighted by topic position. */
  private applyTopics(user: UserState, item: Item, e: EngagementEvent, dwellMs: number): void {
    const weight = AFFINITY_WEIGHTS[e.type];
    user.topics ??= new Map();
    const seen = new Set<string>();
    item.topics.forEach((topic, index) => {
      if (seen.has(topic)) return; // a topic listed twice counts once, at its first position
      seen.add(topic);
      let row = user.topics?.get(topic);
      if (row === undefined) {
        row = this.topicRows.allocate();
        this.topicRows.data[row + TOPIC_AFFINITY_AT] = Number.NEGATIVE_INFINITY;
        user.topics?.set(topic, row);
      }
      const data = this.topicRows.data;
      countEvent(data, row, e.type, dwellMs);
      if (weight !== undefined) {
        const share = index === 0 ? TOPIC_SHARE.primary : TOPIC_SHARE.secondary;
        const next = addDecayed(data[row + TOPIC_AFFINITY], data[row + TOPIC_AFFINITY_AT], weight * share, e.timestampMs, AFFINITY_HALF_LIFE_MS);
        data[row + TOPIC_AFFINITY] = Math.max(0, next.value);
        data[row + TOPIC_AFFINITY_AT] = next.atMs;
      }
    });
  }

  /** Moves `itemId` to its place by time (newest first), keeping one entry per item and at most the limit. */
  private rememberRecent(user: UserState, itemId: string, atMs: number): void {
    const existing = user.recentIds.indexOf(itemId);
    if (existing !== -1) {
      if (user.recentAt[existing] >= atMs) return; // already there with a later interaction
      user.recentIds.splice(existing, 1);
      user.recentAt.splice(existing, 1);
    }
    // Before the first entry that is not newer: equal times put the later-applied event first.
    let at = 0;
    while (at < user.recentAt.length && user.recentAt[at] > atMs) at++;
    if (at >= RECENT_ITEMS_LIMIT) return;
    user.recentIds.splice(at, 0, itemId);
    user.recentAt.splice(at, 0, atMs);
    if (user.recentIds.length > RECENT_ITEMS_LIMIT) {
      user.recentIds.length = RECENT_ITEMS_LIMIT;
      user.recentAt.length = RECENT_ITEMS_LIMIT;
    }
  }
}
