/** Composition root of the ranking service: model store → model holders → pipelines → gRPC server. */
import { startGrpcServer, type GrpcServer } from '@recsys/grpc';
import type { Logger } from '@recsys/logger';
import { LocalModelStore } from '@recsys/stores';
import { DEFAULT_PRERANK_MODEL, DEFAULT_RANKING_MODEL, LOGISTIC_RANKING_MODEL, type RankingConfig } from './config';
import { disposePreRankModel, disposeRankModel, loadPreRankModel, loadRankModel, openModelHolder, type ModelHolder } from './model-holder';
import { preRankPipelines, rankPipelines } from './pipeline';
import { rankingService } from './service';
import type { LoadedModel, LoadedPreRankModel } from './types';

/** A running ranking service. */
export interface RankingApp {
  server: GrpcServer;
  /** Stops watching the model store and releases the models (after the calls holding them). */
  close(): Promise<void>;
}

/** What to do when the store at `storeDir` holds no version of `name`. */
function whenMissing(name: string, storeDir: string): string {
  if (name === DEFAULT_PRERANK_MODEL) return `at ${storeDir} (MODEL_STORE_DIR): train one with \`npm run train:two-tower -- ${storeDir}\` (tools/training)`;
  if (name === LOGISTIC_RANKING_MODEL) return `at ${storeDir} (MODEL_STORE_DIR): train one with \`npx recsys train-ranker --out ${storeDir}\``;
  return name === DEFAULT_RANKING_MODEL
    ? `at ${storeDir} (MODEL_STORE_DIR): train one with \`npm run train:ranker -- ${storeDir}\` (tools/training)`
    : `at ${storeDir} (MODEL_STORE_DIR): publish a version of it there (docs/model-card.md), or set another name`;
}

/**
 * Loads the newest versions of the ranking model `config.RANKING_MODEL` (ONNX or logistic) and of the pre-rank model
 * `config.RANKING_PRERANK_MODEL` from `config.MODEL_STORE_DIR` (rejects with a clear message when one is missing or
 * invalid), then starts the ranking service on `config.GRPC_PORT` (0 = any free port).
 */
export async function startRankingApp(config: RankingConfig, logger: Logger): Promise<RankingApp> {
  const store = new LocalModelStore(config.MODEL_STORE_DIR, { onWarning: (message) => logger.warn(message) });
  const common = { store, logger, pollMs: config.RANKING_MODEL_POLL_MS };
  const rank = await openModelHolder<LoadedModel>({
    ...common,
    name: config.RANKING_MODEL,
    role: 'ranking model',
    whenMissing: whenMissing(config.RANKING_MODEL, config.MODEL_STORE_DIR),
    load: (version) => loadRankModel(store, version, config.RANKING_FUSION_WEIGHTS),
    dispose: disposeRankModel,
  });
  let preRank: ModelHolder<LoadedPreRankModel>;
  try {
    preRank = await openModelHolder<LoadedPreRankModel>({
      ...common,
      name: config.RANKING_PRERANK_MODEL,
      role: 'pre-rank model',
      whenMissing: whenMissing(config.RANKING_PRERANK_MODEL, config.MODEL_STORE_DIR),
      load: (version) => loadPreRankModel(store, version),
      dispose: disposePreRankModel,
    });
  } catch (error) {
    await rank.close();
    throw error;
  }
  const models = { rank, preRank };
  const close = async () => {
    await Promise.all([rank.close(), preRank.close()]);
  };
  const service = rankingService({
    models,
    preRank: preRankPipelines,
    rank: rankPipelines,
    defaultPrerankLimit: config.RANKING_PRERANK_LIMIT,
    defaultDeadlineMs: config.RANKING_DEFAULT_DEADLINE_MS,
  });
  let server: GrpcServer;
  try {
    server = await startGrpcServer({ name: 'ranking', port: config.GRPC_PORT, services: [service], logger });
  } catch (error) {
    await close();
    throw error;
  }
  const served = rank.current();
  logger.info('ranking service started', {
    address: server.address,
    model: served.name,
    modelVersion: served.version,
    modelKind: served.kind,
    preRankModel: `${preRank.current().name} ${preRank.current().version}`,
    preRankKind: preRank.current().kind,
  });
  return { server, close };
}
