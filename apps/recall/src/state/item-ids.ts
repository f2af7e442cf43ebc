// Dense integer indexes for item ids, shared by the recall state, the save graph and the loaded models.

/**
 * Interns item ids: every id gets a dense index (0, 1, 2, … in first-seen order) that never changes or goes away, so
 * the recall state can keep per-item facts in typed arrays and the channels can pass items around as integers,
 * turning ids back into strings only for the answer. Ids come from the catalog, the engagement stream and the
 * recall artifacts. O(1) per look-up; memory: the id strings plus a Map entry each.
 */
export class ItemIds {
  private readonly indexOf = new Map<string, number>();
  private readonly ids: string[] = [];

  /** Number of ids interned. */
  get size(): number {
    return this.ids.length;
  }

  /** The index of `id`, interning it when new. */
  intern(id: string): number {
    let i = this.indexOf.get(id);
    if (i === undefined) {
      i = this.ids.length;
      this.ids.push(id);
      this.indexOf.set(id, i);
    }
    return i;
  }

  /** The index of `id`, or undefined when it was never interned. */
  index(id: string): number | undefined {
    return this.indexOf.get(id);
  }

  /** The id of index `i` (0 ≤ i < size). */
  id(i: number): string {
    return this.ids[i];
  }
}
