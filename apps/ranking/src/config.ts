/** The ranking service's environment schema, parsed once at start. */
import { dataDir, durationMs, logLevel, parseConfig, port } from '@recsys/config';
import { z } from 'zod';

/** PreRank keeps this many candidates when a request sets `limit` 0. */
export const DEFAULT_PRERANK_LIMIT = 500;

const shape = {
  GRPC_PORT: port(50054),
  /** Model store root; the service loads `ranking/multitask-logistic` from it. */
  MODEL_STORE_DIR: dataDir('models'),
  LOG_LEVEL: logLevel(),
  /** Budget of one PreRank/Rank when the caller sets no deadline. */
  RANKING_DEFAULT_DEADLINE_MS: durationMs(1000),
  /** How often the model store is polled for a new model version. */
  RANKING_MODEL_POLL_MS: durationMs(2000),
  /** Candidates PreRank keeps when the request sets `limit` 0. */
  RANKING_PRERANK_LIMIT: z.coerce.number().int().min(1).max(5000).default(DEFAULT_PRERANK_LIMIT),
};

/** The ranking service's configuration. */
export type RankingConfig = ReturnType<typeof loadConfig>;

/** Parses the environment; throws a ConfigError listing every problem. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env) {
  return parseConfig(shape, env, 'ranking');
}
