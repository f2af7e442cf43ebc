// The catalog the feature definitions read: items (creator, topics, attributes) and registered users.

import type { Item, User } from '@recsys/domain';

/** What event application needs from the catalog: an item's creator and topics. */
export interface CatalogLookup {
  item(itemId: string): Item | undefined;
}

/**
 * Items and users by id, and the number of catalog items per creator. Every feature-service replica keeps the whole
 * catalog in memory (it is replayed from the compacted catalog topic at start): an item's creator must be known
 * before a read to fetch the creator's counters in the same store round trip. Memory: one small object per item and
 * user (≈ 300 bytes with a 16-d embedding).
 */
export class Catalog implements CatalogLookup {
  private readonly items = new Map<string, Item>();
  private readonly users = new Map<string, User>();
  private readonly creatorItems = new Map<string, number>();

  /** Inserts or replaces an item (a copy is kept). */
  upsertItem(item: Item): void {
    const previous = this.items.get(item.id)?.creatorId;
    if (previous !== item.creatorId) {
      if (previous !== undefined) this.creatorItems.set(previous, (this.creatorItems.get(previous) ?? 1) - 1);
      this.creatorItems.set(item.creatorId, (this.creatorItems.get(item.creatorId) ?? 0) + 1);
    }
    this.items.set(item.id, { ...item, topics: [...item.topics], embedding: Array.from(item.embedding) });
  }

  /** Inserts or replaces a user's registration attributes (a copy is kept). */
  upsertUser(user: User): void {
    this.users.set(user.id, { ...user });
  }

  item(itemId: string): Item | undefined {
    return this.items.get(itemId);
  }

  user(userId: string): User | undefined {
    return this.users.get(userId);
  }

  /** Catalog items naming `creatorId` as their creator (0 for an unknown creator). */
  itemsOfCreator(creatorId: string): number {
    return this.creatorItems.get(creatorId) ?? 0;
  }

  /** Numbers of items, users and creators. */
  sizes(): { items: number; users: number; creators: number } {
    return { items: this.items.size, users: this.users.size, creators: this.creatorItems.size };
  }
}
