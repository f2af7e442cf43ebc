/** The reranking service's environment schema, parsed once at start. */
import { durationMs, logLevel, parseConfig, port } from '@recsys/config';
import { z } from 'zod';
import { DEFAULT_COLUMNS } from './selectors/masonry-layout.selector';
import { TOPIC_DIVERSITY_DEFAULTS } from './selectors/topic-diversity.selector';

const positiveInt = (max: number, fallback: number) => z.coerce.number().int().min(1).max(max).default(fallback);

const shape = {
  GRPC_PORT: port(50055),
  LOG_LEVEL: logLevel(),
  /** Budget of one Rerank when the caller sets no deadline. */
  RERANKING_DEFAULT_DEADLINE_MS: durationMs(1000),
  /** Sliding-window length in page positions. */
  RERANKING_DIVERSITY_WINDOW: positiveInt(100, TOPIC_DIVERSITY_DEFAULTS.window),
  /** Most items of one topic in any window. */
  RERANKING_MAX_PER_TOPIC: positiveInt(100, TOPIC_DIVERSITY_DEFAULTS.maxPerTopic),
  /** Most items of one creator in any window. */
  RERANKING_MAX_PER_CREATOR: positiveInt(100, TOPIC_DIVERSITY_DEFAULTS.maxPerCreator),
  /** Grid columns when a request sets 0. */
  RERANKING_DEFAULT_COLUMNS: positiveInt(8, DEFAULT_COLUMNS),
};

/** The reranking service's configuration. */
export type RerankingConfig = ReturnType<typeof loadConfig>;

/** Parses the environment; throws a ConfigError listing every problem. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env) {
  return parseConfig(shape, env, 'reranking');
}
