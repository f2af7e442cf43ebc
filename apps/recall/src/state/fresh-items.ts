// The fresh channel's ranking kept up to date: catalog items created within a window, by popularity then recency.
import { IndexedHeap, type DecayedScoreHeap } from '@recsys/algorithms';

/** Dependencies of {@link FreshItems}. */
export interface FreshItemsDeps {
  /** How old an item may be, ms. */
  windowMs: number;
  /** The global popularity of items (item index keys): the first sort key. */
  popularity: DecayedScoreHeap;
  /** The id of an item index: the last sort key. */
  idOf: (item: number) => string;
}

/** Popularity classes, best first: positive scores, no score (never engaged, or exactly 0), negative scores. */
const POSITIVE = 2;
const ZERO = 1;
const NEGATIVE = 0;

/**
 * The servable catalog items created at or after `now − windowMs`, ranked as the fresh channel serves them: by
 * global popularity at the query time, highest first (items without engagement score 0, so they come after every
 * engaged item with a positive score and before items whose hides outweigh their engagement), then newest first,
 * then by id.
 *
 * The order is kept, not computed per request: popularity decays by the same factor for every item, so positive
 * scores rank by their time-invariant anchor `log2(value) + lastUpdate/halfLife`, negative ones by the same anchor of
 * |value| (reversed); the rank of an item changes only when its own popularity does ({@link touch}). Items leave
 * the window in creation order through a second heap. Costs: {@link upsert}, {@link touch}, {@link remove}
 * O(log F) for F fresh items; {@link top}(n) O(n log n) plus O(log F) per item that left the window since the last
 * call, independent of F and of the catalogue size. Memory: about 40 bytes per fresh item, plus 4 bytes per item
 * index.
 */
export class FreshItems {
  /** Slot of each item index + 1 (0: not held). */
  private slotOf = new Int32Array(1024);
  private itemOf = new Int32Array(64);
  private cls = new Int8Array(64);
  private anchor = new Float64Array(64);
  private created = new Float64Array(64);
  private readonly freeSlots: number[] = [];
  private nextSlot = 0;
  private readonly order: IndexedHeap;
  private readonly expiry: IndexedHeap;

  constructor(private readonly deps: FreshItemsDeps) {
    const { idOf } = deps;
    this.order = new IndexedHeap((a, b) => {
      const ca = this.cls[a];
      if (ca !== this.cls[b]) return ca > this.cls[b];
      if (ca !== ZERO && this.anchor[a] !== this.anchor[b]) return ca === POSITIVE ? this.anchor[a] > this.anchor[b] : this.anchor[a] < this.anchor[b];
      if (this.created[a] !== this.created[b]) return this.created[a] > this.created[b];
      return idOf(this.itemOf[a]) < idOf(this.itemOf[b]);
    });
    this.expiry = new IndexedHeap((a, b) => (this.created[a] !== this.created[b] ? this.created[a] < this.created[b] : a < b));
  }

  /** Items held (some may have left the window since the last {@link top}). */
  get size(): number {
    return this.order.size;
  }

  /** True when `item` is held. */
  has(item: number): boolean {
    return this.slotAt(item) >= 0;
  }

  /**
   * Records a catalog upsert of `item`: held when it is servable and created at or after `nowMs − windowMs`,
   * dropped otherwise (an item older than the window never comes back: time only moves forward).
   */
  upsert(item: number, createdAtMs: number, servable: boolean, nowMs: number): void {
    if (!servable || !(createdAtMs >= nowMs - this.deps.windowMs)) {
      this.remove(item);
      return;
    }
    let slot = this.slotAt(item);
    if (slot < 0) {
      slot = this.freeSlots.pop() ?? this.nextSlot++;
      if (slot >= this.itemOf.length) this.grow();
      if (item >= this.slotOf.length) {
        const grown = new Int32Array(Math.max(item + 1, 2 * this.slotOf.length));
        grown.set(this.slotOf);
        this.slotOf = grown;
      }
      this.slotOf[item] = slot + 1;
      this.itemOf[slot] = item;
    }
    this.created[slot] = createdAtMs;
    this.rank(slot, item);
    this.order.push(slot);
    this.expiry.push(slot);
  }

  /** Re-ranks `item` after its popularity changed; no-op for an item not held. O(log F). */
  touch(item: number): void {
    const slot = this.slotAt(item);
    if (slot < 0) return;
    this.rank(slot, item);
    this.order.update(slot);
  }

  /** Drops `item`. */
  remove(item: number): void {
    const slot = this.slotAt(item);
    if (slot < 0) return;
    this.order.remove(slot);
    this.expiry.remove(slot);
    this.slotOf[item] = 0;
    this.freeSlots.push(slot);
  }

  /** The slot of `item`, −1 when not held. */
  private slotAt(item: number): number {
    return item < this.slotOf.length ? this.slotOf[item] - 1 : -1;
  }

  /**
   * The first `n` items of the ranking at `nowMs` that `accept` admits, best first; items created before
   * `nowMs − windowMs` are dropped first.
   */
  top(n: number, nowMs: number, accept?: (item: number) => boolean): number[] {
    const since = nowMs - this.deps.windowMs;
    for (let slot = this.expiry.peek(); slot >= 0 && this.created[slot] < since; slot = this.expiry.peek()) this.remove(this.itemOf[slot]);
    const out: number[] = [];
    if (n <= 0) return out;
    const cursor = this.order.cursor();
    for (let slot = cursor.next(); slot >= 0 && out.length < n; slot = cursor.next()) {
      const item = this.itemOf[slot];
      if (accept === undefined || accept(item)) out.push(item);
    }
    return out;
  }

  /** Sets the popularity class and anchor of `slot` from the global popularity of `item`. */
  private rank(slot: number, item: number): void {
    const { popularity } = this.deps;
    const value = popularity.valueOf(item);
    if (value > 0) {
      this.cls[slot] = POSITIVE;
      this.anchor[slot] = popularity.anchorOf(item);
    } else if (value < 0) {
      this.cls[slot] = NEGATIVE;
      this.anchor[slot] = Math.log2(-value) + popularity.timeOf(item) / popularity.halfLifeMs;
    } else {
      this.cls[slot] = ZERO;
      this.anchor[slot] = 0;
    }
  }

  private grow(): void {
    const n = this.itemOf.length * 2;
    const itemOf = new Int32Array(n);
    itemOf.set(this.itemOf);
    const cls = new Int8Array(n);
    cls.set(this.cls);
    const anchor = new Float64Array(n);
    anchor.set(this.anchor);
    const created = new Float64Array(n);
    created.set(this.created);
    this.itemOf = itemOf;
    this.cls = cls;
    this.anchor = anchor;
    this.created = created;
  }
}
