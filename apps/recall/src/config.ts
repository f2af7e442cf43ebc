/** Recall service configuration: every environment variable it reads, with typed defaults. */
import { dataDir, durationMs, logLevel, parseConfig, port } from '@recsys/config';
import { z } from 'zod';
import type { ChannelName } from './types';

/** Largest quota a channel may have, and the largest merged answer. */
export const MAX_CANDIDATES = 5000;

const count = (defaultValue: number) => z.coerce.number().int().min(0).max(MAX_CANDIDATES).default(defaultValue);
const positiveDuration = (defaultMs: number) => durationMs(defaultMs).refine((ms) => ms > 0, { message: 'must be > 0' });

/** The environment schema of the recall service. */
export const RECALL_CONFIG_SHAPE = {
  /** gRPC listen port (0 = any free port). */
  GRPC_PORT: port(50052),
  /** Local state directory; the embedded event bus lives in `<dir>/bus`. */
  RECSYS_DATA_DIR: dataDir('.data'),
  LOG_LEVEL: logLevel(),
  /** Time budget of each recall channel, ms. */
  RECALL_CHANNEL_TIMEOUT_MS: positiveDuration(20),
  /** Longest a Recall call may run, ms; a caller's earlier deadline wins. Channels still running then are dropped. */
  RECALL_MAX_CALL_MS: positiveDuration(100),
  /** Merged candidates returned when the request's `limit` is 0. */
  RECALL_LIMIT: z.coerce.number().int().min(1).max(MAX_CANDIDATES).default(1500),
  /** Half-life of time-decayed popularity, measured in event time, ms (default 24 h). */
  RECALL_POPULARITY_HALF_LIFE_MS: positiveDuration(24 * 3_600_000),
  /** How old an item may be for the fresh channel, ms (default 3 days). */
  RECALL_FRESH_WINDOW_MS: positiveDuration(3 * 24 * 3_600_000),
  /** Default quota of the `popular` channel (0 disables it). */
  RECALL_QUOTA_POPULAR: count(300),
  /** Default quota of the `segment-popular` channel. */
  RECALL_QUOTA_SEGMENT_POPULAR: count(200),
  /** Default quota of the `topic-affinity` channel. */
  RECALL_QUOTA_TOPIC_AFFINITY: count(400),
  /** Default quota of the `fresh` channel. */
  RECALL_QUOTA_FRESH: count(100),
  /** Default quota of the `related` channel (related-pins surface only). */
  RECALL_QUOTA_RELATED: count(400),
};

/** The parsed recall configuration. */
export type RecallConfig = z.infer<z.ZodObject<typeof RECALL_CONFIG_SHAPE>>;

/** Parses the recall configuration from `env`; throws `ConfigError` listing every problem. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): RecallConfig {
  return parseConfig(RECALL_CONFIG_SHAPE, env, 'recall');
}

/** The configured default quota of every channel. */
export function defaultQuotas(config: RecallConfig): Record<ChannelName, number> {
  return {
    popular: config.RECALL_QUOTA_POPULAR,
    'segment-popular': config.RECALL_QUOTA_SEGMENT_POPULAR,
    'topic-affinity': config.RECALL_QUOTA_TOPIC_AFFINITY,
    fresh: config.RECALL_QUOTA_FRESH,
    related: config.RECALL_QUOTA_RELATED,
  };
}
