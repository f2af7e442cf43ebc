/** Holds the current ranking model: loaded from the model store at start, swapped when a newer version is published. */
import { parseMultitaskModel } from '@recsys/algorithms';
import { errorMessage } from '@recsys/domain';
import type { Logger } from '@recsys/logger';
import type { ModelStore } from '@recsys/stores';
import type { LoadedModel } from './types';

/** The model-store name of the ranking model. */
export const RANKING_MODEL_NAME = 'ranking/multitask-logistic';
/** The file of a version that holds the model. */
export const RANKING_MODEL_FILE = 'model.json';

/** The current model, replaced atomically (per request) when a new version is loaded. */
export interface ModelHolder {
  /** The model to score the next request with. */
  current(): LoadedModel;
  /** Stops watching the store. */
  close(): void;
}

/** Reads and validates one version of the ranking model. */
async function loadVersion(store: ModelStore, version: string): Promise<LoadedModel> {
  const bytes = await store.read(RANKING_MODEL_NAME, version, RANKING_MODEL_FILE);
  try {
    return { version, model: parseMultitaskModel(bytes) };
  } catch (error) {
    throw new Error(`${RANKING_MODEL_NAME} version ${version}: ${errorMessage(error)}`);
  }
}

/**
 * Loads the latest `ranking/multitask-logistic` model and watches the store (every `pollMs`) for newer ones.
 * A newer version that fails to load or validate is logged and skipped: the service keeps the model it has.
 *
 * @throws Error when the store holds no version (naming `storeDir` and the command that trains one) or the
 *   latest version is invalid.
 */
export async function openModelHolder(deps: { store: ModelStore; storeDir: string; logger: Logger; pollMs: number }): Promise<ModelHolder> {
  const { store, logger } = deps;
  const latest = await store.latest(RANKING_MODEL_NAME);
  if (latest === undefined) {
    throw new Error(
      `no ${RANKING_MODEL_NAME} model in the model store at ${deps.storeDir} (MODEL_STORE_DIR): ` +
        `train one with \`npx recsys train-ranker --out ${deps.storeDir}\``,
    );
  }
  let current = await loadVersion(store, latest.version);
  logger.info('ranking model loaded', { model: RANKING_MODEL_NAME, version: current.version });

  const stop = store.watch(
    RANKING_MODEL_NAME,
    (version) => {
      loadVersion(store, version.version).then(
        (loaded) => {
          // Loads may finish out of order when versions are published quickly: never go back.
          if (loaded.version <= current.version) return;
          current = loaded;
          logger.info('ranking model reloaded', { model: RANKING_MODEL_NAME, version: loaded.version });
        },
        (error: unknown) => logger.error('ranking model not reloaded, keeping the current one', { version: version.version, current: current.version, error }),
      );
    },
    deps.pollMs,
    latest.version,
  );
  return { current: () => current, close: stop };
}
