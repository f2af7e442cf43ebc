/** Composition root of the reranking service: pipeline → gRPC server. Used by main.ts and the e2e tests. */
import { startGrpcServer, type GrpcServer } from '@recsys/grpc';
import type { Logger } from '@recsys/logger';
import type { RerankingConfig } from './config';
import { rerankPipeline } from './pipeline';
import { rerankingService } from './service';

/** A running reranking service. */
export interface RerankingApp {
  server: GrpcServer;
  /** Releases what the app holds beyond the server (nothing yet: the service is stateless). */
  close(): Promise<void>;
}

/** Starts the reranking service on `config.GRPC_PORT` (0 = any free port). */
export async function startRerankingApp(config: RerankingConfig, logger: Logger): Promise<RerankingApp> {
  const pipeline = rerankPipeline({
    diversity: {
      window: config.RERANKING_DIVERSITY_WINDOW,
      maxPerTopic: config.RERANKING_MAX_PER_TOPIC,
      maxPerCreator: config.RERANKING_MAX_PER_CREATOR,
    },
  });
  const service = rerankingService({
    pipeline,
    defaultColumns: config.RERANKING_DEFAULT_COLUMNS,
    defaultDeadlineMs: config.RERANKING_DEFAULT_DEADLINE_MS,
  });
  const server = await startGrpcServer({ name: 'reranking', port: config.GRPC_PORT, services: [service], logger });
  logger.info('reranking service started', { address: server.address });
  return { server, close: async () => {} };
}
