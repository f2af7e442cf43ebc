// The embedded VectorStore: an in-process hnswlib HNSW index per collection, optionally persisted to a directory.
import { RecsysError } from '@recsys/domain';
import type { VectorCollectionSpec, VectorHit, VectorPoint, VectorRecord, VectorSearchOptions, VectorStore } from '../ports';
import { HnswCollection, type HnswParams } from './hnsw-collection';
import { loadCollections, removeCollection, saveCollection } from './hnsw-files';
import { assertCollectionName, assertSameSpec, validateIds, validatePoints, validateSearch, validateSpec } from './vector-input';

/** Options of {@link openHnswVectorStore}. Every knob has its default here. */
export interface HnswVectorStoreOptions {
  /**
   * Directory holding one subdirectory per collection, loaded on open and written by `flush()` and `close()`.
   * None: memory only.
   */
  dir?: string;
  /** Default search beam width; a search's own `ef` wins; always at least `limit`. Default 64. */
  ef?: number;
  /** HNSW graph degree `M`. Default 16. */
  m?: number;
  /** Beam width while inserting. Default 200. */
  efConstruction?: number;
  /** Seed of the HNSW level generator. Default 100. */
  seed?: number;
  /** Capacity of a new collection's index; it doubles when full. Default 1,024. */
  initialCapacity?: number;
  /** Filtered searches whose `must` conditions admit at most this many points are answered exactly. Default 2,000. */
  exactSearchThreshold?: number;
}

/** Size figures of one collection (for operators and tests). */
export interface HnswCollectionStats {
  spec: VectorCollectionSpec;
  /** Points stored. */
  count: number;
  /** Points the index holds before it grows. */
  capacity: number;
  /** Graph slots in use, including deleted points whose slots a later insert will reuse. */
  slots: number;
}

function resolveParams(options: HnswVectorStoreOptions): HnswParams {
  const params: HnswParams = {
    ef: options.ef ?? 64,
    m: options.m ?? 16,
    efConstruction: options.efConstruction ?? 200,
    seed: options.seed ?? 100,
    initialCapacity: options.initialCapacity ?? 1_024,
    exactSearchThreshold: options.exactSearchThreshold ?? 2_000,
  };
  for (const key of ['ef', 'm', 'efConstruction', 'initialCapacity'] as const) {
    if (!Number.isInteger(params[key]) || params[key] < 1) throw RecsysError.badRequest(key, `must be a positive integer, got ${params[key]}`);
  }
  for (const key of ['seed', 'exactSearchThreshold'] as const) {
    if (!Number.isInteger(params[key]) || params[key] < 0) throw RecsysError.badRequest(key, `must be a non-negative integer, got ${params[key]}`);
  }
  return params;
}

/**
 * The embedded {@link VectorStore} over `hnswlib-node`. Each collection is an HNSW graph (see {@link HnswCollection})
 * with ids, payloads and payload postings in memory. Writes change memory only; `flush()` saves every collection
 * changed since the last flush (atomically, see `hnsw-files.ts`), `close()` flushes and releases. Searches run
 * synchronously on the calling thread: O(ef · log n) distance computations for a graph walk, O(candidates) for an
 * exact filtered scan.
 */
export class HnswVectorStore implements VectorStore {
  private readonly dirty = new Set<string>();
  private diskChain: Promise<void> = Promise.resolve();
  private closed = false;

  /** Use {@link openHnswVectorStore}, which loads the directory. */
  constructor(
    private readonly params: HnswParams,
    private readonly dir: string | undefined,
    private readonly collections: Map<string, HnswCollection> = new Map(),
  ) {}

  async ensureCollection(name: string, spec: VectorCollectionSpec): Promise<boolean> {
    this.assertOpen();
    assertCollectionName(name);
    const wanted = validateSpec(spec);
    const existing = this.collections.get(name);
    if (existing !== undefined) {
      assertSameSpec(name, existing.spec, wanted);
      return false;
    }
    this.collections.set(name, HnswCollection.create(wanted, this.params));
    this.dirty.add(name);
    return true;
  }

  async upsert(collection: string, points: readonly VectorPoint[]): Promise<void> {
    const c = this.collection(collection);
    const valid = validatePoints(points, c.spec);
    if (valid.length === 0) return;
    c.upsert(valid);
    this.dirty.add(collection);
  }

  async search(collection: string, vector: Float32Array | readonly number[], options: VectorSearchOptions): Promise<VectorHit[]> {
    const c = this.collection(collection);
    return c.search(validateSearch(vector, options, c.spec));
  }

  async get(collection: string, ids: readonly string[]): Promise<(VectorRecord | undefined)[]> {
    const c = this.collection(collection);
    return validateIds(ids).map((id) => c.get(id));
  }

  async delete(collection: string, ids: readonly string[]): Promise<void> {
    const c = this.collection(collection);
    const valid = validateIds(ids);
    if (valid.length === 0) return;
    c.delete(valid);
    this.dirty.add(collection);
  }

  async count(collection: string): Promise<number> {
    return this.collection(collection).size;
  }

  async dropCollection(name: string): Promise<boolean> {
    this.assertOpen();
    assertCollectionName(name);
    const existed = this.collections.delete(name);
    this.dirty.delete(name);
    const dir = this.dir;
    if (dir !== undefined) await this.onDisk(() => removeCollection(dir, name));
    return existed;
  }

  /** Size figures of a collection; `not-found` when it does not exist. */
  stats(collection: string): HnswCollectionStats {
    const c = this.collection(collection);
    return { spec: { ...c.spec }, count: c.size, capacity: c.capacity, slots: c.slots };
  }

  /**
   * Saves every collection changed since the last flush (nothing without a directory). Each collection is captured
   * synchronously when its turn comes, so writes made while a flush runs are saved by it or by the next one.
   */
  flush(): Promise<void> {
    const dir = this.dir;
    if (dir === undefined) return Promise.resolve();
    return this.onDisk(async () => {
      for (const name of [...this.dirty]) {
        const collection = this.collections.get(name);
        this.dirty.delete(name);
        if (collection === undefined) continue;
        try {
          await saveCollection(dir, name, collection, this.params);
        } catch (error) {
          this.dirty.add(name);
          throw error;
        }
      }
    });
  }

  /** Flushes, then releases every collection. Later calls reject with `unavailable`. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    this.closed = true;
    this.collections.clear();
  }

  /** Runs disk work after all earlier disk work (flushes and drops never interleave). */
  private onDisk(work: () => Promise<void>): Promise<void> {
    const result = this.diskChain.then(work);
    this.diskChain = result.catch(() => undefined);
    return result;
  }

  private collection(name: string): HnswCollection {
    this.assertOpen();
    assertCollectionName(name);
    const c = this.collections.get(name);
    if (c === undefined) throw new RecsysError('not-found', `vector collection ${JSON.stringify(name)} does not exist; create it with ensureCollection`);
    return c;
  }

  private assertOpen(): void {
    if (this.closed) throw new RecsysError('unavailable', 'vector store is closed');
  }
}

/**
 * Opens an {@link HnswVectorStore}, loading every collection saved under `options.dir` (a missing directory gives an
 * empty store; a damaged collection rejects with an `internal` RecsysError naming the file).
 */
export async function openHnswVectorStore(options: HnswVectorStoreOptions = {}): Promise<HnswVectorStore> {
  const params = resolveParams(options);
  const collections = options.dir === undefined ? new Map<string, HnswCollection>() : await loadCollections(options.dir, params);
  return new HnswVectorStore(params, options.dir, collections);
}
