// A binary heap of integer slots under a caller's order, with each slot's position (re-sift or remove in O(log n)).

/**
 * A binary max-heap of integer slots (0 ≤ slot < 2³¹) ordered by `above(a, b)` ("slot a ranks strictly above slot
 * b"; it must be a strict total order for a fixed state of the caller's keys). The heap records each slot's
 * position, so a slot whose key changed is re-sifted ({@link update}) and any slot removed ({@link remove}) in
 * O(log n). Positions live in an Int32Array indexed by slot, grown as larger slots arrive: slots should be dense
 * (allocate them from 0 and reuse freed ones). Memory: 8 bytes per slot of capacity.
 *
 * {@link cursor} walks the heap best first without modifying it (a frontier heap of at most v + 1 positions after v
 * visits), which gives the top k of n slots in O(k log k), independent of n.
 */
export class IndexedHeap {
  private heap = new Int32Array(16);
  /** pos[slot] = position in `heap`, −1 when absent. */
  private pos = new Int32Array(16).fill(-1);
  private n = 0;

  /** @param above strict order: true when slot `a` ranks above slot `b`. */
  constructor(readonly above: (a: number, b: number) => boolean) {}

  /** Slots held. */
  get size(): number {
    return this.n;
  }

  /** True when `slot` is in the heap. O(1). */
  has(slot: number): boolean {
    return slot >= 0 && slot < this.pos.length && this.pos[slot] >= 0;
  }

  /** The best slot, or −1 when empty. O(1). */
  peek(): number {
    return this.n > 0 ? this.heap[0] : -1;
  }

  /** The slot at heap position `i` (0 ≤ i < size): position 0 is the best, children of i are 2i+1 and 2i+2. */
  at(i: number): number {
    return this.heap[i];
  }

  /** Adds `slot` (which must be absent; an present slot is re-sifted instead). O(log n). */
  push(slot: number): void {
    if (!Number.isInteger(slot) || slot < 0 || slot > 0x7fffffff) throw new RangeError(`slot ${slot} is not a non-negative integer`);
    if (slot >= this.pos.length) this.growPositions(slot + 1);
    if (this.pos[slot] >= 0) {
      this.update(slot);
      return;
    }
    if (this.n === this.heap.length) {
      const heap = new Int32Array(this.heap.length * 2);
      heap.set(this.heap);
      this.heap = heap;
    }
    this.heap[this.n] = slot;
    this.pos[slot] = this.n;
    this.n++;
    this.siftUp(this.n - 1);
  }

  /** Removes and returns the best slot, or −1 when empty. O(log n). */
  pop(): number {
    if (this.n === 0) return -1;
    const top = this.heap[0];
    this.remove(top);
    return top;
  }

  /** Removes `slot`; false when it was absent. O(log n). */
  remove(slot: number): boolean {
    if (!this.has(slot)) return false;
    const at = this.pos[slot];
    const last = this.n - 1;
    this.pos[slot] = -1;
    this.n--;
    if (at !== last) {
      const moved = this.heap[last];
      this.heap[at] = moved;
      this.pos[moved] = at;
      this.siftDown(at);
      this.siftUp(this.pos[moved]);
    }
    return true;
  }

  /** Restores the order after the key of `slot` changed (either way). No-op for an absent slot. O(log n). */
  update(slot: number): void {
    if (!this.has(slot)) return;
    const at = this.pos[slot];
    this.siftUp(at);
    if (this.pos[slot] === at) this.siftDown(at);
  }

  /**
   * A best-first walk over the current contents; the heap must not change while the cursor is in use. `primary`, when
   * given, is a key per slot consistent with the order (`above(a, b)` implies `primary[a] ≥ primary[b]`): the walk
   * compares those numbers and asks `above` only about equal ones, which is several times faster.
   */
  cursor(primary?: Float64Array): HeapCursor {
    return new HeapCursor(this.heap, this.n, this.above, primary);
  }

  private growPositions(min: number): void {
    const pos = new Int32Array(Math.max(min, this.pos.length * 2)).fill(-1);
    pos.set(this.pos);
    this.pos = pos;
  }

  private siftUp(i: number): void {
    const { heap, pos, above } = this;
    const slot = heap[i];
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent];
      if (!above(slot, p)) break;
      heap[i] = p;
      pos[p] = i;
      i = parent;
    }
    heap[i] = slot;
    pos[slot] = i;
  }

  private siftDown(i: number): void {
    const { heap, pos, above, n } = this;
    const slot = heap[i];
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      let best = left;
      if (left + 1 < n && above(heap[left + 1], heap[left])) best = left + 1;
      const b = heap[best];
      if (!above(b, slot)) break;
      heap[i] = b;
      pos[b] = i;
      i = best;
    }
    heap[i] = slot;
    pos[slot] = i;
  }
}

/**
 * Walks an {@link IndexedHeap} best first without changing it: {@link next} returns the slots in heap order. The
 * frontier is a small heap of positions whose parents were already returned: after v slots it holds at most v + 1,
 * so v steps cost O(v log v) whatever the heap's size.
 */
export class HeapCursor {
  /** Frontier entries: heap positions, with their slots alongside. */
  private positions = new Int32Array(16);
  private slots = new Int32Array(16);
  private size = 0;

  constructor(
    private readonly heap: Int32Array,
    private readonly n: number,
    private readonly above: (a: number, b: number) => boolean,
    private readonly primary: Float64Array | undefined,
  ) {
    if (n > 0) {
      this.positions[0] = 0;
      this.slots[0] = heap[0];
      this.size = 1;
    }
  }

  /** The next slot without taking it, or −1 when the walk is over. */
  peek(): number {
    return this.size > 0 ? this.slots[0] : -1;
  }

  /** The next slot in heap order, or −1 when every slot was returned. */
  next(): number {
    if (this.size === 0) return -1;
    const at = this.positions[0];
    const slot = this.slots[0];
    // Replace the root by the last frontier entry, sift it down, then add the children of `at`.
    this.size--;
    if (this.size > 0) this.siftDown(this.positions[this.size], this.slots[this.size]);
    const left = 2 * at + 1;
    if (left < this.n) this.add(left);
    if (left + 1 < this.n) this.add(left + 1);
    return slot;
  }

  /** True when slot `a` ranks above slot `b`. */
  private ranksAbove(a: number, b: number): boolean {
    const primary = this.primary;
    if (primary !== undefined) {
      const x = primary[a];
      const y = primary[b];
      if (x !== y) return x > y;
    }
    return this.above(a, b);
  }

  private add(position: number): void {
    if (this.size === this.positions.length) {
      const positions = new Int32Array(this.positions.length * 2);
      positions.set(this.positions);
      const slots = new Int32Array(this.slots.length * 2);
      slots.set(this.slots);
      this.positions = positions;
      this.slots = slots;
    }
    const { positions, slots } = this;
    const slot = this.heap[position];
    let i = this.size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.ranksAbove(slot, slots[parent])) break;
      positions[i] = positions[parent];
      slots[i] = slots[parent];
      i = parent;
    }
    positions[i] = position;
    slots[i] = slot;
  }

  private siftDown(position: number, slot: number): void {
    const { positions, slots } = this;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= this.size) break;
      let best = left;
      if (left + 1 < this.size && this.ranksAbove(slots[left + 1], slots[left])) best = left + 1;
      if (!this.ranksAbove(slots[best], slot)) break;
      positions[i] = positions[best];
      slots[i] = slots[best];
      i = best;
    }
    positions[i] = position;
    slots[i] = slot;
  }
}
