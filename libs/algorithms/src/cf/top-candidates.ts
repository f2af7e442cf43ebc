// Bounded top-k selection over candidates arriving in any order, under the library's ranking tie-break.
import { compareRanked } from '../metrics/top-k';

/**
 * Keeps the `k` best (id, score) pairs pushed into it: higher score first, equal scores by lower id (the order of
 * `compareRanked`). A min-heap of the worst kept pair at the root: `push` O(log k), `drain` O(k log k), memory
 * O(k). Reusable: `drain` empties it.
 */
export class TopCandidates {
  private readonly ids: Int32Array;
  private readonly scores: Float64Array;
  private size = 0;

  constructor(readonly k: number) {
    if (!Number.isInteger(k) || k < 1) throw new RangeError(`k must be a positive integer, got ${k}`);
    this.ids = new Int32Array(k);
    this.scores = new Float64Array(k);
  }

  /** Number of pairs kept so far (at most k). */
  get length(): number {
    return this.size;
  }

  /** Offers a candidate. */
  push(id: number, score: number): void {
    const { ids, scores } = this;
    if (this.size < this.k) {
      let c = this.size++;
      while (c > 0) {
        const p = (c - 1) >> 1;
        if (!(compareRanked(score, id, scores[p], ids[p]) > 0)) break;
        ids[c] = ids[p];
        scores[c] = scores[p];
        c = p;
      }
      ids[c] = id;
      scores[c] = score;
      return;
    }
    if (!(compareRanked(score, id, scores[0], ids[0]) < 0)) return;
    this.siftDown(id, score, this.size);
  }

  /**
   * Writes the kept pairs best first into `outIds` / `outScores` from `offset`, empties the selection and
   * returns how many were written.
   */
  drain(outIds: Int32Array, outScores: Float32Array | Float64Array, offset = 0): number {
    const n = this.size;
    for (let end = n - 1; end >= 0; end--) {
      outIds[offset + end] = this.ids[0];
      outScores[offset + end] = this.scores[0];
      // Move the last element to the root and restore the heap over the remaining `end` elements.
      const lastId = this.ids[end];
      const lastScore = this.scores[end];
      if (end > 0) this.siftDown(lastId, lastScore, end);
    }
    this.size = 0;
    return n;
  }

  /** Places (id, score) at the root of a heap of `size` elements and sifts it down. */
  private siftDown(id: number, score: number, size: number): void {
    const { ids, scores } = this;
    let c = 0;
    for (;;) {
      const l = 2 * c + 1;
      if (l >= size) break;
      const r = l + 1;
      const w = r < size && compareRanked(scores[r], ids[r], scores[l], ids[l]) > 0 ? r : l;
      if (!(compareRanked(scores[w], ids[w], score, id) > 0)) break;
      ids[c] = ids[w];
      scores[c] = scores[w];
      c = w;
    }
    ids[c] = id;
    scores[c] = score;
  }
}
