// Decoded user, item and creator records keyed by id, with the ids changed since they were loaded.

import { emptyBlock } from './counter-block';
import type { EntityRecord, UserRecord } from '../records/records';

/**
 * A working set of records. The stream processor fills one per batch from a store read and writes back the
 * changed ones; the in-memory engine keeps one for everything. Accessors create missing records.
 */
export class RecordSet {
  readonly users = new Map<string, UserRecord>();
  readonly items = new Map<string, EntityRecord>();
  readonly creators = new Map<string, EntityRecord>();
  readonly changedUsers = new Set<string>();
  readonly changedItems = new Set<string>();
  readonly changedCreators = new Set<string>();

  /** The user's record, created empty when missing, and marked changed. */
  userForUpdate(userId: string): UserRecord {
    let record = this.users.get(userId);
    if (!record) {
      record = { counters: emptyBlock(), recent: [], topics: [] };
      this.users.set(userId, record);
    }
    this.changedUsers.add(userId);
    return record;
  }

  /** The item's record, created empty when missing, and marked changed. */
  itemForUpdate(itemId: string): EntityRecord {
    return entityForUpdate(this.items, this.changedItems, itemId);
  }

  /** The creator's record, created empty when missing, and marked changed. */
  creatorForUpdate(creatorId: string): EntityRecord {
    return entityForUpdate(this.creators, this.changedCreators, creatorId);
  }
}

function entityForUpdate(map: Map<string, EntityRecord>, changed: Set<string>, id: string): EntityRecord {
  let record = map.get(id);
  if (!record) {
    record = { counters: emptyBlock() };
    map.set(id, record);
  }
  changed.add(id);
  return record;
}
