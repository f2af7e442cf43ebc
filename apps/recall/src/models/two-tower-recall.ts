// Holds the two-tower model of the `two-tower` channel and its item-embedding collection, kept in step with the catalog.
import { errorMessage, RecsysError, type Item } from '@recsys/domain';
import { historyContentVector, itemFeatureColumns, itemFeatureRow, userHistoryFeatures, type ItemFeatureColumns } from '@recsys/features';
import type { Logger } from '@recsys/logger';
import { fillInputs, loadTwoTowerModel, type TwoTowerModel } from '@recsys/models';
import type { ModelStore, ModelVersion, VectorPoint, VectorStore } from '@recsys/stores';
import type { RecallIndex } from '../state/recall-index';
import { UPSERT_BATCH, normalised, sameVector, yieldToRequests } from '../state/vector-sync';

/** Prefix of the two-tower item collections: one per model version, `two-tower-items-<version>` (cosine). */
export const TWO_TOWER_COLLECTION_PREFIX = 'two-tower-items';

/** The vector collection of a two-tower version's item embeddings. */
export function twoTowerCollectionName(version: string): string {
  return `${TWO_TOWER_COLLECTION_PREFIX}-${version}`;
}

/** A loaded two-tower version and the collection holding its item embeddings. */
export interface LoadedTwoTower {
  version: string;
  model: TwoTowerModel;
  /** `two-tower-items-<version>`: one point per servable catalog item. */
  collection: string;
  /** The item features the item tower reads, resolved once (for items the version's table does not hold). */
  itemColumns: ItemFeatureColumns;
}

/** A loaded version held for one request: it is not released (nor its collection dropped) before the lease ends. */
export interface TwoTowerLease {
  readonly loaded: LoadedTwoTower;
  /** Ends the lease (idempotent). */
  release(): void;
}

/** Dependencies of {@link TwoTowerRecall}. */
export interface TwoTowerRecallDeps {
  /** The trained-model store (MODEL_STORE_DIR). */
  store: ModelStore;
  /** Model-store name of the two-tower model (RECALL_TWO_TOWER_MODEL). */
  name: string;
  vectors: VectorStore;
  /** The recall state: the catalog the collection mirrors, and the users' recent positives. */
  index: RecallIndex;
  logger: Logger;
  /** Poll interval of the model-store watch, ms. */
  pollMs: number;
}

interface Slot {
  loaded: LoadedTwoTower;
  leases: number;
  retired: boolean;
}

const NO_RANKING = { names: [] as string[], values: [] as number[] };
const NO_ITEM_COLUMNS = { names: [] as string[], values: [] as number[] };
const FIRST_ROW = [0];

/**
 * The user tower's embedding of a user whose recent positive items (most recent first) are `recentItemIds`: its input
 * is the `user_history_content_<i>` features (`historyContentVector` over the items' catalog embeddings, named by
 * `userHistoryFeatures`, the definitions the feature service serves), any other column its declared default. Resolves
 * to undefined when no recent item has a content embedding (the user has no history vector). One tower run.
 */
export async function embedUser(
  model: TwoTowerModel,
  recentItemIds: readonly string[],
  embeddingOf: (itemId: string) => ArrayLike<number> | undefined,
): Promise<Float32Array | undefined> {
  const history = historyContentVector(recentItemIds, embeddingOf);
  if (history === undefined) return undefined;
  const { values } = fillInputs(model.userPlan, { batch: NO_ITEM_COLUMNS, userFeatures: userHistoryFeatures(history), ranking: NO_RANKING }, FIRST_ROW);
  return model.embedUsers(values, 1);
}

/**
 * The item tower's embeddings of catalog items (row-major `items.length × dim`): each row's input is the item's
 * features computed from its catalog attributes at `nowMs` (`itemFeatureRow`: `item_content_<i>`, `item_quality`, …;
 * the counters recall does not keep take their declared defaults). One tower run per {@link UPSERT_BATCH} items.
 */
export async function embedCatalogItems(loaded: Pick<LoadedTwoTower, 'model' | 'itemColumns'>, items: readonly Item[], nowMs: number): Promise<Float32Array> {
  const { model, itemColumns } = loaded;
  const width = itemColumns.names.length;
  const out = new Float32Array(items.length * model.dim);
  for (let start = 0; start < items.length; start += UPSERT_BATCH) {
    const chunk = items.slice(start, start + UPSERT_BATCH);
    const values = new Float64Array(chunk.length * width);
    chunk.forEach((item, r) => values.set(itemFeatureRow({ item }, nowMs, itemColumns).values, r * width));
    const rows = Array.from(chunk, (_, r) => r);
    const { values: input } = fillInputs(model.itemPlan, { batch: { names: itemColumns.names, values }, userFeatures: {}, ranking: NO_RANKING }, rows);
    out.set(await model.embedItems(input, chunk.length), start * model.dim);
  }
  return out;
}

/**
 * The two-tower model of the `two-tower` recall channel and the vector collection of its item embeddings.
 *
 * - {@link start} loads the newest version of `name` from the model store and watches it (every `pollMs`) for newer
 *   ones. A version goes live only once its collection `two-tower-items-<version>` (cosine) holds every servable
 *   catalog item: the version's precomputed embedding for the items its table holds, the item tower's embedding of
 *   the catalog attributes for the others (items newer than the version). Writes go in batches of
 *   {@link UPSERT_BATCH} that yield to requests, and points already stored with the same vector are skipped, so a
 *   restart over a persisted collection costs one `get` per batch.
 * - Once a newer version is live, the previous one is released and its collection dropped when the last request
 *   holding it ends. A version that fails to load is logged and skipped (the current one, if any, keeps serving).
 * - {@link apply} mirrors catalog upserts into the live collection (and into the one being built): unsafe items are
 *   deleted, new ones embedded.
 * - Without any version in the store the channel is off (logged once at start) until one is published.
 */
export class TwoTowerRecall {
  private current: Slot | undefined;
  /** Catalog upserts seen while a version's collection is being filled (written to it before it goes live). */
  private building: Item[] | undefined;
  private pending: Promise<void> = Promise.resolve();
  private stopWatch: (() => void) | undefined;
  private closed = false;

  constructor(private readonly deps: TwoTowerRecallDeps) {}

  /** The vector store the collections live in. */
  get vectors(): VectorStore {
    return this.deps.vectors;
  }

  /** The live version, or undefined while the channel is off. */
  version(): string | undefined {
    return this.current?.loaded.version;
  }

  /** The live version held for one request (release the lease when done), or undefined while the channel is off. */
  acquire(): TwoTowerLease | undefined {
    const slot = this.current;
    if (slot === undefined || this.closed) return undefined;
    slot.leases++;
    let released = false;
    return {
      loaded: slot.loaded,
      release: () => {
        if (released) return;
        released = true;
        this.releaseSlot(slot);
      },
    };
  }

  /** Loads the newest version (resolves once it is live, or once it failed or none exists) and starts watching. */
  async start(): Promise<void> {
    const { store, name, logger } = this.deps;
    let latest: ModelVersion | undefined;
    try {
      latest = await store.latest(name);
    } catch (error) {
      logger.error('cannot read the model store; the two-tower recall channel is off', { model: name, error: errorMessage(error) });
    }
    if (latest === undefined) logger.info('two-tower recall channel off: no model in the model store (MODEL_STORE_DIR) yet', { model: name });
    else await this.enqueue(latest);
    if (!this.closed) this.stopWatch = store.watch(name, (version) => void this.enqueue(version), this.deps.pollMs, latest?.version);
  }

  /** Mirrors catalog item upserts (in order; the last upsert of an id wins) into the live collection. */
  async apply(items: readonly Item[]): Promise<void> {
    if (this.building !== undefined) this.building.push(...items);
    const slot = this.current;
    if (slot === undefined || this.closed) return;
    slot.leases++;
    try {
      await this.write(slot.loaded, items);
    } finally {
      this.releaseSlot(slot);
    }
  }

  /** Resolves when every load started so far has finished (for tests). */
  settled(): Promise<void> {
    return this.pending;
  }

  /** Stops watching, waits for a load in progress and releases the model (the collection stays for the next start). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopWatch?.();
    await this.pending;
    const slot = this.current;
    this.current = undefined;
    if (slot !== undefined) {
      slot.retired = true;
      if (slot.leases === 0) this.dispose(slot, false);
    }
  }

  /** Loads serially: one version at a time keeps the extra memory and CPU of a reload bounded. */
  private enqueue(version: ModelVersion): Promise<void> {
    this.pending = this.pending.then(() =>
      this.closed
        ? undefined
        : this.load(version).catch((error: unknown) => {
            if (this.closed) return;
            this.deps.logger.error('two-tower model not loaded', { model: version.name, version: version.version, current: this.version(), error: errorMessage(error) });
          }),
    );
    return this.pending;
  }

  private async load(version: ModelVersion): Promise<void> {
    const previous = this.current;
    if (previous !== undefined && previous.loaded.version >= version.version) return;
    const started = Date.now();
    const model = await loadTwoTowerModel(this.deps.store, version.name, version.version);
    let loaded: LoadedTwoTower;
    this.building = [];
    try {
      loaded = {
        version: version.version,
        model,
        collection: twoTowerCollectionName(version.version),
        itemColumns: itemFeatureColumns(model.itemPlan.itemFeatures, 'item tower input'),
      };
      await this.fill(loaded);
      // Catalog upserts that arrived while filling; the swap below happens synchronously after the last of them.
      while (this.building.length > 0) await this.write(loaded, this.building.splice(0));
    } catch (error) {
      await model.release();
      throw error;
    } finally {
      this.building = undefined;
    }
    if (this.closed) {
      await model.release();
      return;
    }
    this.current = { loaded, leases: 0, retired: false };
    if (previous !== undefined) {
      previous.retired = true;
      if (previous.leases === 0) this.dispose(previous, true);
    }
    this.deps.logger.info(previous === undefined ? 'two-tower model loaded' : 'two-tower model reloaded', {
      model: version.name,
      version: version.version,
      previous: previous?.loaded.version,
      tableItems: model.items.ids.length,
      collection: loaded.collection,
      ms: Date.now() - started,
    });
  }

  /** Creates the version's collection (replacing one of another shape) and writes every catalog item into it. */
  private async fill(loaded: LoadedTwoTower): Promise<void> {
    const { vectors, index } = this.deps;
    const spec = { dimension: loaded.model.dim, distance: 'cosine' as const };
    try {
      await vectors.ensureCollection(loaded.collection, spec);
    } catch (error) {
      if (!(error instanceof RecsysError && error.category === 'bad-request')) throw error;
      await vectors.dropCollection(loaded.collection);
      await vectors.ensureCollection(loaded.collection, spec);
    }
    let batch: Item[] = [];
    // Items interned during the fill are caught by `building` (the index knows an item before `apply` sees it).
    const n = index.ids.size;
    for (let i = 0; i < n; i++) {
      const item = index.itemAt(i);
      if (item === undefined) continue;
      batch.push(item);
      if (batch.length === UPSERT_BATCH) {
        if (this.closed) throw new Error('closed while indexing');
        await this.write(loaded, batch);
        batch = [];
      }
    }
    await this.write(loaded, batch);
  }

  /**
   * Writes catalog items into a version's collection: unsafe items (and items without a usable embedding) are deleted;
   * the others get the version's table embedding, or the item tower's embedding of their catalog attributes.
   */
  private async write(loaded: LoadedTwoTower, items: readonly Item[]): Promise<void> {
    if (items.length === 0) return;
    const { vectors, index } = this.deps;
    const { model, collection } = loaded;
    const { rowOf, embeddings } = model.items;
    const dim = model.dim;
    const latest = new Map<string, Item>();
    for (const item of items) latest.set(item.id, item);
    const deletes: string[] = [];
    const points: VectorPoint[] = [];
    const unseen: Item[] = [];
    const add = (id: string, vector: Float32Array | undefined) => {
      if (vector === undefined) deletes.push(id);
      else points.push({ id, vector });
    };
    for (const item of latest.values()) {
      if (item.unsafe) deletes.push(item.id);
      else {
        const row = rowOf.get(item.id);
        if (row === undefined) unseen.push(item);
        else add(item.id, normalised(embeddings.subarray(row * dim, row * dim + dim)));
      }
    }
    if (unseen.length > 0) {
      const embedded = await embedCatalogItems(loaded, unseen, index.now());
      unseen.forEach((item, r) => add(item.id, normalised(embedded.subarray(r * dim, r * dim + dim))));
    }
    if (deletes.length > 0) await vectors.delete(collection, deletes);
    for (let start = 0; start < points.length; start += UPSERT_BATCH) {
      const batch = points.slice(start, start + UPSERT_BATCH);
      const stored = await vectors.get(
        collection,
        batch.map((p) => p.id),
      );
      const changed = batch.filter((p, j) => !sameVector(stored[j]?.vector, p.vector as Float32Array));
      if (changed.length > 0) {
        await vectors.upsert(collection, changed);
        await yieldToRequests();
      }
    }
  }

  private releaseSlot(slot: Slot): void {
    slot.leases--;
    if (slot.retired && slot.leases === 0) this.dispose(slot, !this.closed);
  }

  /** Releases a retired version's sessions and, when replaced by a newer version, drops its collection. */
  private dispose(slot: Slot, dropCollection: boolean): void {
    const { logger, vectors } = this.deps;
    const { version, collection, model } = slot.loaded;
    void model.release().catch((error: unknown) => logger.warn('two-tower model not released', { version, error: errorMessage(error) }));
    if (dropCollection) {
      void vectors.dropCollection(collection).catch((error: unknown) => logger.warn('could not drop the previous two-tower collection', { collection, error: errorMessage(error) }));
    }
  }
}
