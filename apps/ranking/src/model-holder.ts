/**
 * Holds the current version of a model from the model store: loaded at start; a newer version is loaded and validated
 * in the background and swapped in atomically, and the version it replaces is released once the calls holding it end.
 */
import { parseMultitaskModel, taskNames } from '@recsys/algorithms';
import { RecsysError, errorMessage } from '@recsys/domain';
import { RANKING_ITEM_INPUTS } from '@recsys/features';
import type { Logger } from '@recsys/logger';
import { MODEL_CARD_FILE, TWO_TOWER_ARCHITECTURE, cardArchitecture, checkParity, loadOnnxModel, loadTwoTowerModel, planInputs } from '@recsys/models';
import type { ModelStore, ModelVersion } from '@recsys/stores';
import type { LoadedLogisticModel, LoadedModel, LoadedOnnxModel, LoadedPreRankModel, LoadedTwoTowerModel } from './types';

/** The file of a version that holds a multi-task logistic model. */
export const LOGISTIC_MODEL_FILE = 'model.json';

/** A model held for one call: the holder releases a swapped-out model only after every lease on it is released. */
export interface ModelLease<M> {
  readonly model: M;
  /** Ends the lease (idempotent). */
  release(): void;
}

/** The current version of one model, swapped atomically when a newer one has loaded. */
export interface ModelHolder<M> {
  /** The model the next call scores with, held until the lease is released. Throws `unavailable` after close. */
  acquire(): ModelLease<M>;
  /** The model the next call would get (no lease: for logs and tests). */
  current(): M;
  /** Stops watching the store, waits for a load in progress, releases the current model once its leases end. */
  close(): Promise<void>;
}

/** What {@link openModelHolder} needs. */
export interface ModelHolderDeps<M extends { version: string }> {
  store: ModelStore;
  /** The model-store name. */
  name: string;
  /** What the model is, for log lines and errors: `ranking model`, `pre-rank model`. */
  role: string;
  logger: Logger;
  /** Poll interval of the store watch, ms. */
  pollMs: number;
  /** What an operator can do when the store holds no version (ends the start-up error). */
  whenMissing: string;
  /** Loads and validates a version; rejects with a message naming the problem. */
  load(version: ModelVersion): Promise<M>;
  /** Frees what a loaded model holds (an ONNX session); called once per model, after its last lease. */
  dispose(model: M): Promise<void>;
}

interface Slot<M> {
  model: M;
  leases: number;
  retired: boolean;
}

/**
 * Loads the newest version of `deps.name` and watches the store (every `pollMs`) for newer ones. Versions load one at a
 * time, in the background; a newer version that fails to load or validate is logged (`<role> not reloaded, keeping the
 * current one`) and refused, and the current one keeps serving. A version not newer than the current one is ignored.
 * A swap is one assignment: calls that acquired the previous model keep it, and it is disposed when the last of their
 * leases is released (at once when none is held).
 *
 * @throws Error when the store holds no version (`no <name> model in the model store …` + `whenMissing`) or the newest
 *   version does not load.
 */
export async function openModelHolder<M extends { version: string }>(deps: ModelHolderDeps<M>): Promise<ModelHolder<M>> {
  const { store, name, role, logger } = deps;
  const latest = await store.latest(name);
  if (latest === undefined) throw new Error(`no ${name} model in the model store ${deps.whenMissing}`);
  let current: Slot<M> = { model: await deps.load(latest), leases: 0, retired: false };
  logger.info(`${role} loaded`, { model: name, version: current.model.version });
  let closed = false;
  let pending: Promise<void> = Promise.resolve();

  const dispose = (slot: Slot<M>) => {
    deps.dispose(slot.model).catch((error: unknown) => logger.error(`${role} not released`, { model: name, version: slot.model.version, error: errorMessage(error) }));
  };
  const retire = (slot: Slot<M>) => {
    slot.retired = true;
    if (slot.leases === 0) dispose(slot);
  };

  const reload = async (version: ModelVersion): Promise<void> => {
    if (closed || version.version <= current.model.version) return;
    let loaded: M;
    try {
      loaded = await deps.load(version);
    } catch (error) {
      logger.error(`${role} not reloaded, keeping the current one`, { model: name, version: version.version, current: current.model.version, error: errorMessage(error) });
      return;
    }
    if (closed) return dispose({ model: loaded, leases: 0, retired: true });
    const previous = current;
    current = { model: loaded, leases: 0, retired: false };
    logger.info(`${role} reloaded`, { model: name, version: loaded.version, previous: previous.model.version });
    retire(previous);
  };

  const stop = store.watch(name, (version) => void (pending = pending.then(() => reload(version))), deps.pollMs, latest.version);

  return {
    acquire: () => {
      if (closed) throw new RecsysError('unavailable', `the ${role} is closed (the service is shutting down)`);
      const slot = current;
      slot.leases++;
      let released = false;
      return {
        model: slot.model,
        release: () => {
          if (released) return;
          released = true;
          slot.leases--;
          if (slot.retired && slot.leases === 0) dispose(slot);
        },
      };
    },
    current: () => current.model,
    close: async () => {
      if (closed) return;
      closed = true;
      stop();
      await pending;
      retire(current);
    },
  };
}

/** A multi-task logistic model version (`model.json`). */
async function loadLogisticModel(store: ModelStore, name: string, version: string): Promise<LoadedLogisticModel> {
  const bytes = await store.read(name, version, LOGISTIC_MODEL_FILE);
  try {
    const model = parseMultitaskModel(bytes);
    // It reads the ranking features, computed from the ranking item inputs.
    return { kind: 'logistic', name, version, model, tasks: taskNames(model), fusion: model.fusion, itemFeatures: RANKING_ITEM_INPUTS };
  } catch (error) {
    throw new Error(`${name} version ${version}: ${errorMessage(error)}`);
  }
}

/**
 * An ONNX multi-task model version, refused unless it is whole: a valid card that agrees with the graph
 * (`loadOnnxModel`), every input column a feature the service computes (`planInputs`) and the card's parity rows
 * reproduced within 1e-5 (`checkParity`). Its default fusion weights are `fusion`'s weights of its tasks.
 */
async function loadOnnxRankModel(store: ModelStore, name: string, version: string, fusion: Readonly<Record<string, number>>): Promise<LoadedOnnxModel> {
  const model = await loadOnnxModel(store, name, version);
  try {
    const plan = planInputs(model.card);
    const parity = await checkParity(model);
    if (!parity.ok) throw new Error(`model ${name} version ${version}: its graph does not reproduce the card's parity rows: ${parity.summary}`);
    const tasks = model.card.outputs.map((output) => output.task);
    const weights = Object.fromEntries(tasks.filter((task) => Object.hasOwn(fusion, task)).map((task) => [task, fusion[task]]));
    return { kind: 'onnx', name, version, model, plan, tasks, fusion: weights, itemFeatures: plan.itemFeatures };
  } catch (error) {
    await model.release();
    throw error;
  }
}

/**
 * Loads a ranking model version of either kind, by its files: `card.json` (with the graph it names, `model.onnx`) is an
 * ONNX multi-task model (docs/model-card.md), whose default fusion weights are `onnxFusion`'s for its tasks;
 * `model.json` is a multi-task logistic model, which carries its own. Rejects naming the version and the problem.
 */
export function loadRankModel(store: ModelStore, version: ModelVersion, onnxFusion: Readonly<Record<string, number>>): Promise<LoadedModel> {
  if (version.files.includes(MODEL_CARD_FILE)) return loadOnnxRankModel(store, version.name, version.version, onnxFusion);
  if (version.files.includes(LOGISTIC_MODEL_FILE)) return loadLogisticModel(store, version.name, version.version);
  return Promise.reject(
    new Error(
      `${version.name} version ${version.version} holds neither ${MODEL_CARD_FILE} (an ONNX multi-task model) nor ${LOGISTIC_MODEL_FILE} ` +
        `(a multi-task logistic model); its files: ${version.files.join(', ')}`,
    ),
  );
}

/** A two-tower model version, refused unless whole (`loadTwoTowerModel`: card, towers, item table, parity). */
async function loadTwoTowerPreRankModel(store: ModelStore, name: string, version: string): Promise<LoadedTwoTowerModel> {
  const model = await loadTwoTowerModel(store, name, version);
  return { kind: 'two-tower', name, version, model, itemFeatures: [] };
}

/**
 * Loads a pre-rank model version of either kind, by its files: `card.json` of a two-tower model (docs/model-card.md),
 * or `model.json`, a multi-task logistic model whose pre-rank head PreRank uses. Rejects naming the version and the
 * problem (a card of another architecture included).
 */
export async function loadPreRankModel(store: ModelStore, version: ModelVersion): Promise<LoadedPreRankModel> {
  if (version.files.includes(MODEL_CARD_FILE)) {
    const architecture = cardArchitecture(await store.read(version.name, version.version, MODEL_CARD_FILE));
    if (architecture !== TWO_TOWER_ARCHITECTURE) {
      throw new Error(`${version.name} version ${version.version} is no pre-rank model: its card's architecture is ${JSON.stringify(architecture)}, a pre-rank model is "${TWO_TOWER_ARCHITECTURE}" or a multi-task logistic model (${LOGISTIC_MODEL_FILE})`);
    }
    return loadTwoTowerPreRankModel(store, version.name, version.version);
  }
  if (!version.files.includes(LOGISTIC_MODEL_FILE)) {
    throw new Error(
      `${version.name} version ${version.version} is no pre-rank model: neither a two-tower model (${MODEL_CARD_FILE}) nor a multi-task logistic ` +
        `model (${LOGISTIC_MODEL_FILE}); its files: ${version.files.join(', ')}`,
    );
  }
  return loadLogisticModel(store, version.name, version.version);
}

/** Frees what a loaded pre-rank model holds: the sessions of a two-tower model (a logistic model holds nothing). */
export async function disposePreRankModel(model: LoadedPreRankModel): Promise<void> {
  if (model.kind === 'two-tower') await model.model.release();
}

/** Frees what a loaded ranking model holds: the session of an ONNX model (a logistic model holds nothing). */
export async function disposeRankModel(model: LoadedModel): Promise<void> {
  if (model.kind === 'onnx') await model.model.release();
}
