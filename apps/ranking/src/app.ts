/** Composition root of the ranking service: model store → model holder → pipelines → gRPC server. */
import { startGrpcServer, type GrpcServer } from '@recsys/grpc';
import type { Logger } from '@recsys/logger';
import { LocalModelStore } from '@recsys/stores';
import type { RankingConfig } from './config';
import { openModelHolder } from './model-holder';
import { preRankPipeline, rankPipeline } from './pipeline';
import { rankingService } from './service';

/** A running ranking service. */
export interface RankingApp {
  server: GrpcServer;
  /** Stops watching the model store. */
  close(): Promise<void>;
}

/**
 * Loads the latest ranking model from `config.MODEL_STORE_DIR` (rejects with a clear message when there is none)
 * and starts the ranking service on `config.GRPC_PORT` (0 = any free port).
 */
export async function startRankingApp(config: RankingConfig, logger: Logger): Promise<RankingApp> {
  const store = new LocalModelStore(config.MODEL_STORE_DIR, { onWarning: (message) => logger.warn(message) });
  const models = await openModelHolder({ store, storeDir: config.MODEL_STORE_DIR, logger, pollMs: config.RANKING_MODEL_POLL_MS });
  const service = rankingService({
    models,
    preRank: preRankPipeline,
    rank: rankPipeline,
    defaultPrerankLimit: config.RANKING_PRERANK_LIMIT,
    defaultDeadlineMs: config.RANKING_DEFAULT_DEADLINE_MS,
  });
  let server: GrpcServer;
  try {
    server = await startGrpcServer({ name: 'ranking', port: config.GRPC_PORT, services: [service], logger });
  } catch (error) {
    models.close();
    throw error;
  }
  logger.info('ranking service started', { address: server.address, modelVersion: models.current().version });
  return { server, close: async () => models.close() };
}
