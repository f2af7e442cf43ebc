// Keeps the `content-items` vector collection in step with the catalog: one point per item with a content embedding.
import { RecsysError, errorMessage, type Item } from '@recsys/domain';
import type { Logger } from '@recsys/logger';
import type { VectorPoint, VectorStore } from '@recsys/stores';
import { UPSERT_BATCH, normalised, sameVector, yieldToRequests } from './vector-sync';

/** The collection of item content embeddings (cosine). */
export const CONTENT_COLLECTION = 'content-items';

/**
 * Mirrors catalog items' content embeddings (`Item.embedding`) into the {@link CONTENT_COLLECTION} collection of a
 * vector store (cosine), with payload `creator` and `topics` for filtered searches.
 *
 * - The dimension is that of the first embedding seen (or of the collection already stored, when it matches); an
 *   embedding of another dimension, with a non-finite component or all zeros is not indexed (and counted).
 * - Unsafe items and items whose embedding disappeared are deleted from the collection, so they never take a
 *   search slot.
 * - Writes only what changed: points already stored with the same (unit-length) vector are skipped, so replaying
 *   the catalog at start over a persisted collection costs one `get` per batch instead of re-indexing.
 * - Upserts go in batches of {@link UPSERT_BATCH}, yielding to the event loop between batches, so a large catalog
 *   replay does not stall requests.
 */
export class ContentVectors {
  private dim: number | undefined;
  private skipped = 0;

  constructor(
    private readonly store: VectorStore,
    private readonly logger: Logger,
  ) {}

  /** The embedding dimension of the collection, or undefined before the first item with an embedding. */
  get dimension(): number | undefined {
    return this.dim;
  }

  /** The vector store the collection lives in. */
  get vectors(): VectorStore {
    return this.store;
  }

  /** Applies catalog item upserts (in order; the last upsert of an id wins). */
  async apply(items: readonly Item[]): Promise<void> {
    const latest = new Map<string, Item>();
    for (const item of items) latest.set(item.id, item);
    const upserts: VectorPoint[] = [];
    const deletes: string[] = [];
    for (const item of latest.values()) {
      const vector = this.usable(item);
      if (vector === undefined) deletes.push(item.id);
      else upserts.push({ id: item.id, vector, payload: { creator: item.creatorId, topics: [...item.topics] } });
    }
    if (this.dim === undefined) {
      if (upserts.length === 0) return;
      await this.openCollection(upserts[0].vector.length);
      // Points of another dimension than the first were accepted by `usable` before the dimension was known.
      for (let i = upserts.length - 1; i >= 0; i--) {
        if (upserts[i].vector.length !== this.dim) {
          deletes.push(upserts[i].id);
          upserts.splice(i, 1);
          this.skipped++;
        }
      }
    }
    if (deletes.length > 0) await this.store.delete(CONTENT_COLLECTION, deletes);
    for (let i = 0; i < upserts.length; i += UPSERT_BATCH) {
      const batch = upserts.slice(i, i + UPSERT_BATCH);
      const stored = await this.store.get(
        CONTENT_COLLECTION,
        batch.map((p) => p.id),
      );
      const changed = batch.filter((p, j) => !sameVector(stored[j]?.vector, p.vector as Float32Array));
      if (changed.length > 0) {
        await this.store.upsert(CONTENT_COLLECTION, changed);
        await yieldToRequests();
      }
    }
  }

  /** Items whose embedding could not be indexed (wrong dimension, non-finite or zero), for logs. */
  get skippedItems(): number {
    return this.skipped;
  }

  /** The unit-length embedding to index, or undefined when the item must not be in the collection. */
  private usable(item: Item): Float32Array | undefined {
    if (item.unsafe || item.embedding.length === 0) return undefined;
    if (this.dim !== undefined && item.embedding.length !== this.dim) {
      this.skipped++;
      return undefined;
    }
    const unit = normalised(item.embedding);
    if (unit === undefined) this.skipped++;
    return unit;
  }

  /** Creates the collection, replacing a stored one of another dimension (it is derived state: the catalog rebuilds it). */
  private async openCollection(dimension: number): Promise<void> {
    const spec = { dimension, distance: 'cosine' as const };
    try {
      await this.store.ensureCollection(CONTENT_COLLECTION, spec);
    } catch (error) {
      if (!(error instanceof RecsysError && error.category === 'bad-request')) throw error;
      this.logger.warn('content vector collection has another shape; rebuilding it', { collection: CONTENT_COLLECTION, dimension, error: errorMessage(error) });
      await this.store.dropCollection(CONTENT_COLLECTION);
      await this.store.ensureCollection(CONTENT_COLLECTION, spec);
    }
    this.dim = dimension;
  }
}
