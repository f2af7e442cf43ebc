// Holds the recall artifacts: loads the latest versions at start, swaps in newer ones as they are published.
import {
  RECALL_MODELS,
  RECALL_MODEL_KINDS,
  decodeRecallArtifact,
  type AlsArtifact,
  type RecallArtifact,
  type RecallModelKind,
} from '@recsys/algorithms';
import { RecsysError, errorMessage } from '@recsys/domain';
import type { Logger } from '@recsys/logger';
import type { ModelStore, ModelVersion, VectorStore } from '@recsys/stores';
import type { ItemIds } from '../state/item-ids';
import { UPSERT_BATCH, yieldToRequests } from '../state/vector-sync';
import { loadedAls, loadedItemCF, loadedUserCF, type LoadedAls, type LoadedItemCF, type LoadedUserCF } from './loaded-models';

/** Prefix of the ALS item-factor collections: one per model version, `als-items-<version>`. */
export const ALS_COLLECTION_PREFIX = 'als-items';

/** The vector collection of an ALS version's item factors. */
export function alsCollectionName(version: string): string {
  return `${ALS_COLLECTION_PREFIX}-${version}`;
}

/** Dependencies of {@link openRecallModels}. */
export interface RecallModelsDeps {
  store: ModelStore;
  /** Where ALS item factors are indexed. */
  vectors: VectorStore;
  /** The recall state's item-id interner: the artifacts' item ids are interned into it. */
  ids: ItemIds;
  logger: Logger;
  /** Poll interval of the model-store watch, ms. */
  pollMs: number;
}

interface Loaded {
  itemcf: LoadedItemCF;
  usercf: LoadedUserCF;
  als: LoadedAls;
}

/**
 * The current recall artifacts. Each is independent: a channel whose artifact was never published (or failed to
 * load) is simply not configured, and its source answers nothing. Swaps are atomic per artifact: a request reads
 * one artifact object for its whole computation.
 */
export interface RecallModels {
  itemcf(): LoadedItemCF | undefined;
  usercf(): LoadedUserCF | undefined;
  als(): LoadedAls | undefined;
  /** The loaded version of each artifact (absent kinds are not configured). */
  versions(): Partial<Record<RecallModelKind, string>>;
  /** Resolves when every load started so far has finished (for tests). */
  settled(): Promise<void>;
  /** Stops watching the store and abandons loads in progress. */
  close(): Promise<void>;
}

/** Reads and decodes every file of a version. */
async function readArtifact(store: ModelStore, version: ModelVersion): Promise<RecallArtifact> {
  const files: Record<string, Uint8Array> = {};
  for (const file of version.files) files[file] = await store.read(version.name, version.version, file);
  return decodeRecallArtifact(files);
}

/**
 * Loads the latest version of every recall artifact (`recall/itemcf`, `recall/usercf`, `recall/als`) from the
 * model store and watches it (every `pollMs`) for newer ones.
 *
 * - ALS: the item factors of a version are upserted into their own collection `als-items-<version>` (dot
 *   product) before the version goes live, in batches that yield to requests; a persisted collection that
 *   already holds them all is reused. Once a newer version is live the old collection is dropped, so user and
 *   item factors of different trainings are never mixed.
 * - A version that fails to load is logged and skipped (at start: that channel stays not configured; later: the
 *   current version stays). Versions older than the loaded one are ignored.
 */
export async function openRecallModels(deps: RecallModelsDeps): Promise<RecallModels> {
  const { store, vectors, logger } = deps;
  const current: Partial<Loaded> = {};
  let closed = false;
  let pending: Promise<void> = Promise.resolve();

  const fillAls = async (artifact: AlsArtifact): Promise<LoadedAls> => {
    const collection = alsCollectionName(artifact.info.version);
    const { model, itemIds } = artifact;
    const k = model.factors;
    const spec = { dimension: k, distance: 'dot' as const };
    try {
      await vectors.ensureCollection(collection, spec);
    } catch (error) {
      if (!(error instanceof RecsysError && error.category === 'bad-request')) throw error;
      await vectors.dropCollection(collection);
      await vectors.ensureCollection(collection, spec);
    }
    if ((await vectors.count(collection)) !== itemIds.length) {
      for (let start = 0; start < itemIds.length; start += UPSERT_BATCH) {
        if (closed) throw new Error('closed while indexing');
        const points = [];
        for (let i = start; i < Math.min(itemIds.length, start + UPSERT_BATCH); i++) {
          points.push({ id: itemIds[i], vector: model.itemFactors.subarray(i * k, i * k + k) });
        }
        await vectors.upsert(collection, points);
        await yieldToRequests();
      }
    }
    return loadedAls(artifact, collection, deps.ids);
  };

  const load = async (kind: RecallModelKind, version: ModelVersion): Promise<void> => {
    const started = Date.now();
    const previous = current[kind];
    if (previous !== undefined && previous.version >= version.version) return;
    const artifact = await readArtifact(store, version);
    if (artifact.kind !== kind) throw new Error(`${version.name} ${version.version} holds a ${artifact.kind} artifact`);
    if (artifact.kind === 'itemcf') current.itemcf = loadedItemCF(artifact, deps.ids);
    else if (artifact.kind === 'usercf') current.usercf = loadedUserCF(artifact, deps.ids);
    else {
      const als = await fillAls(artifact);
      if (closed) return;
      current.als = als;
      const old = previous as LoadedAls | undefined;
      if (old !== undefined && old.collection !== als.collection) {
        await vectors.dropCollection(old.collection).catch((error: unknown) =>
          logger.warn('could not drop the previous ALS collection', { collection: old.collection, error: errorMessage(error) }),
        );
      }
    }
    logger.info(previous === undefined ? 'recall model loaded' : 'recall model reloaded', {
      model: version.name,
      version: version.version,
      previous: previous?.version,
      ms: Date.now() - started,
    });
  };

  /** Loads serially (one artifact at a time keeps the extra memory and CPU of a reload bounded). */
  const enqueue = (kind: RecallModelKind, version: ModelVersion): Promise<void> => {
    pending = pending.then(() =>
      closed
        ? undefined
        : load(kind, version).catch((error: unknown) => {
            if (closed) return;
            logger.error('recall model not loaded', { model: version.name, version: version.version, current: current[kind]?.version, error: errorMessage(error) });
          }),
    );
    return pending;
  };

  const stops: (() => void)[] = [];
  for (const kind of RECALL_MODEL_KINDS) {
    const name = RECALL_MODELS[kind];
    let latest: ModelVersion | undefined;
    try {
      latest = await store.latest(name);
    } catch (error) {
      logger.error('cannot read the recall model store', { model: name, error: errorMessage(error) });
    }
    if (latest !== undefined) await enqueue(kind, latest);
    stops.push(store.watch(name, (version) => void enqueue(kind, version), deps.pollMs, latest?.version));
  }
  const missing = RECALL_MODEL_KINDS.filter((kind) => current[kind] === undefined);
  if (missing.length > 0) {
    logger.info('recall channels not configured (no artifact yet; build one with `npx recsys build-recall`)', {
      models: missing.map((kind) => RECALL_MODELS[kind]),
    });
  }

  return {
    itemcf: () => current.itemcf,
    usercf: () => current.usercf,
    als: () => current.als,
    versions: () => {
      const out: Partial<Record<RecallModelKind, string>> = {};
      for (const kind of RECALL_MODEL_KINDS) if (current[kind]) out[kind] = current[kind]?.version;
      return out;
    },
    settled: () => pending,
    close: async () => {
      closed = true;
      for (const stop of stops) stop();
      await pending;
    },
  };
}
