// The in-memory feature engine: the catalog, every record and the applied event ids; for offline replay and tests.

import type { EngagementEvent, Item, User } from '@recsys/domain';
import type { EntityRecord, UserRecord } from '../records/records';
import { applyEngagement, isApplicable } from '../state/apply-engagement';
import { Catalog } from '../state/catalog';
import { RecordSet } from '../state/record-set';
import { itemView, userView, type ItemFeatureView, type UserFeatureView } from '../views/views';

/** Counts of what the engine holds and what it rejected. */
export interface FeatureEngineStats {
  users: number;
  items: number;
  creators: number;
  /** User×topic pairs with state. */
  userTopics: number;
  applied: number;
  duplicates: number;
  /** Events without an id, user or item, with an unknown type or a non-finite timestamp. */
  invalid: number;
}

/**
 * Holds the catalog and every feature record in memory and computes feature views: the batch side of the feature
 * definitions. It applies events with exactly the code the stream processor runs per batch
 * ({@link applyEngagement}), so replaying the event log here in the order the processor saw it gives the values the
 * feature service served. Apply the catalog before the events on its items (an event on an item not yet in the
 * catalog updates the item and user counters only, as online).
 *
 * Idempotency: every applied event id is remembered (no expiry: ≈ 60 bytes per event) and repeats are ignored.
 */
export class FeatureEngine {
  readonly catalog = new Catalog();
  private readonly records = new RecordSet();
  private readonly applied = new Set<string>();
  private readonly counts = { applied: 0, duplicates: 0, invalid: 0 };

  /** Inserts or replaces a catalog item. */
  applyCatalogItem(item: Item): void {
    this.catalog.upsertItem(item);
  }

  /** Inserts or replaces a user's registration attributes. */
  applyUser(user: User): void {
    this.catalog.upsertUser(user);
  }

  /**
   * Applies one engagement event; returns false, changing nothing, for a repeated event id or a malformed event.
   * O(topics of the item × window buckets + 50).
   */
  applyEvent(e: EngagementEvent): boolean {
    if (!isApplicable(e)) {
      this.counts.invalid++;
      return false;
    }
    if (this.applied.has(e.eventId)) {
      this.counts.duplicates++;
      return false;
    }
    this.applied.add(e.eventId);
    applyEngagement(this.records, this.catalog, e);
    this.counts.applied++;
    return true;
  }

  /** The features of a user at `nowMs`; declared defaults and `known: false` for an unknown user. */
  userFeatures(userId: string, nowMs: number): UserFeatureView {
    return userView(userId, { record: this.records.users.get(userId), user: this.catalog.user(userId), catalog: this.catalog }, nowMs);
  }

  /** The features of an item (and its creator) at `nowMs`; defaults and `known: false` outside the catalog. */
  itemFeatures(itemId: string, nowMs: number): ItemFeatureView {
    const item = this.catalog.item(itemId);
    return itemView(
      itemId,
      {
        record: this.records.items.get(itemId),
        item,
        creator: item ? this.records.creators.get(item.creatorId) : undefined,
        creatorItems: item ? this.catalog.itemsOfCreator(item.creatorId) : undefined,
      },
      nowMs,
    );
  }

  /** The stream state of a user (live object: do not mutate), or undefined before the user's first event. */
  userRecord(userId: string): UserRecord | undefined {
    return this.records.users.get(userId);
  }

  /** The stream state of an item, or undefined before the item's first event. */
  itemRecord(itemId: string): EntityRecord | undefined {
    return this.records.items.get(itemId);
  }

  /** The stream state of a creator, or undefined before the first event on one of the creator's items. */
  creatorRecord(creatorId: string): EntityRecord | undefined {
    return this.records.creators.get(creatorId);
  }

  /** Sizes and rejection counts. */
  stats(): FeatureEngineStats {
    let userTopics = 0;
    for (const record of this.records.users.values()) userTopics += record.topics.length;
    return {
      users: this.records.users.size,
      items: this.records.items.size,
      creators: this.records.creators.size,
      userTopics,
      ...this.counts,
    };
  }
}
