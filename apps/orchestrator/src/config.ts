/** The orchestrator's environment schema, parsed once at start. */
import { address, backend, dataDir, durationMs, kafkaBrokers, logLevel, parseConfig, port } from '@recsys/config';
import { z } from 'zod';

const shape = {
  GRPC_PORT: port(50051),
  RECALL_ADDR: address('127.0.0.1:50052'),
  FEATURE_ADDR: address('127.0.0.1:50053'),
  RANKING_ADDR: address('127.0.0.1:50054'),
  RERANKING_ADDR: address('127.0.0.1:50055'),
  /** Budget of a whole Recommend when the client sets no tighter deadline. */
  RECOMMEND_TIMEOUT_MS: durationMs(400),
  RECALL_TIMEOUT_MS: durationMs(150),
  FEATURE_TIMEOUT_MS: durationMs(100),
  RANKING_TIMEOUT_MS: durationMs(150),
  RERANKING_TIMEOUT_MS: durationMs(100),
  /** Candidates kept after pre-ranking and sent to the ranking model. */
  PRERANK_LIMIT: z.coerce.number().int().min(1).max(2000).default(500),
  /**
   * The experiment configuration (JSON: layers, arms, holdout; docs/experiments.md), polled for changes. Empty: no
   * experiments.
   */
  EXPERIMENTS_FILE: z.string().default(''),
  /** Candidates asked of recall. */
  RECALL_LIMIT: z.coerce.number().int().min(1).max(5000).default(1500),
  /**
   * `embedded` (default): the event bus is the file log in `<RECSYS_DATA_DIR>/bus`; `redis-kafka`: Kafka at
   * KAFKA_BROKERS (the orchestrator publishes engagement, catalog and served events; it reads no feature store).
   */
  RECSYS_BACKEND: backend(),
  KAFKA_BROKERS: kafkaBrokers(),
  /** Local state directory (embedded backend). */
  RECSYS_DATA_DIR: dataDir('.data'),
  LOG_LEVEL: logLevel(),
};

/** The orchestrator's configuration. */
export type OrchestratorConfig = ReturnType<typeof loadConfig>;

/** Parses the environment; throws a ConfigError listing every problem. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env) {
  return parseConfig(shape, env, 'orchestrator');
}
