/** Feature-store keys of the feature service: `u:<user id>` for user records, `i:<item id>` for item records. */

/** The store key of a user's record. */
export function userKey(userId: string): string {
  return `u:${userId}`;
}

/** The store key of an item's record. */
export function itemKey(itemId: string): string {
  return `i:${itemId}`;
}

/** The entity and id a store key names; undefined for a key of another kind. */
export function parseKey(key: string): { kind: 'user' | 'item'; id: string } | undefined {
  if (key.startsWith('u:')) return { kind: 'user', id: key.slice(2) };
  if (key.startsWith('i:')) return { kind: 'item', id: key.slice(2) };
  return undefined;
}
