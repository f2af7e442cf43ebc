/** Recall service configuration: every environment variable it reads, with typed defaults. */
import * as path from 'node:path';
import { backend, dataDir, durationMs, kafkaBrokers, logLevel, modelName, parseConfig, port } from '@recsys/config';
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
  /**
   * `embedded` (default): the event bus is the file log in `<RECSYS_DATA_DIR>/bus`; `redis-kafka`: Kafka at
   * KAFKA_BROKERS (recall keeps its state in memory either way, rebuilt from the bus at every start).
   */
  RECSYS_BACKEND: backend(),
  KAFKA_BROKERS: kafkaBrokers(),
  /** Local state directory: the embedded event bus in `<dir>/bus`, the vector store, the default model store. */
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
  /** Default quota of the `itemcf` channel (item-CF neighbours of the user's recent and session items). */
  RECALL_QUOTA_ITEMCF: count(300),
  /** Default quota of the `usercf` channel (items of the user's nearest neighbour users). */
  RECALL_QUOTA_USERCF: count(200),
  /** Default quota of the `graph` channel (Pixie walks on the live pin–board graph). */
  RECALL_QUOTA_GRAPH: count(200),
  /** Default quota of the `als` channel (nearest ALS item factors to the user's factors). */
  RECALL_QUOTA_ALS: count(300),
  /** Default quota of the `content` channel (items whose content embedding is near the user's recent items). */
  RECALL_QUOTA_CONTENT: count(200),
  /** Default quota of the `realtime` channel (item-CF neighbours of the last few minutes' interactions). */
  RECALL_QUOTA_REALTIME: count(100),
  /** Default quota of the `two-tower` channel (items whose two-tower embedding is nearest the user tower's). */
  RECALL_QUOTA_TWO_TOWER: count(200),
  /**
   * Model store of the recall artifacts (`recall/itemcf`, `recall/usercf`, `recall/als`, built by
   * `npx recsys build-recall`); unset: `<RECSYS_DATA_DIR>/models`. A channel whose artifact is absent is not run.
   */
  RECALL_MODEL_DIR: z.string().trim().min(1).optional(),
  /** How often the model store is polled for newer artifact versions, ms. */
  RECALL_MODEL_POLL_MS: positiveDuration(2000),
  /** The trained-model store (the ranking service's too; the committed demo models by default), home of RECALL_TWO_TOWER_MODEL. */
  MODEL_STORE_DIR: dataDir('models'),
  /**
   * The two-tower model of the `two-tower` channel: its newest version in MODEL_STORE_DIR is served (reloaded when a
   * newer one appears, polled every RECALL_MODEL_POLL_MS); the channel is off while the store holds none.
   */
  RECALL_TWO_TOWER_MODEL: modelName('recall/two-tower'),
  /** Qdrant's REST address (e.g. `http://127.0.0.1:6333`); unset: the embedded HNSW store in `<RECSYS_DATA_DIR>/vectors`. */
  QDRANT_URL: z.string().trim().url().optional(),
  /** Beam width while inserting into the embedded HNSW store (lower: faster indexing, slightly lower recall). */
  RECALL_HNSW_EF_CONSTRUCTION: z.coerce.number().int().min(8).max(1000).default(64),
  /** How far back the `realtime` channel looks, ms (default 30 minutes). */
  RECALL_REALTIME_WINDOW_MS: positiveDuration(30 * 60_000),
  /** Random-walk steps per `graph` request (Pixie's N; more: steadier visit counts, slower). */
  RECALL_GRAPH_STEPS: z.coerce.number().int().min(100).max(1_000_000).default(20_000),
};

/** The parsed recall configuration. */
export type RecallConfig = z.infer<z.ZodObject<typeof RECALL_CONFIG_SHAPE>>;

/** Parses the recall configuration from `env`; throws `ConfigError` listing every problem. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): RecallConfig {
  return parseConfig(RECALL_CONFIG_SHAPE, env, 'recall');
}

/** The model store directory of the recall artifacts: `RECALL_MODEL_DIR`, else `<RECSYS_DATA_DIR>/models`. */
export function recallModelDir(config: RecallConfig): string {
  return config.RECALL_MODEL_DIR ?? path.join(config.RECSYS_DATA_DIR, 'models');
}

/** Directory of the embedded vector store: `<RECSYS_DATA_DIR>/vectors`. */
export function vectorDir(config: RecallConfig): string {
  return path.join(config.RECSYS_DATA_DIR, 'vectors');
}

/** The configured default quota of every channel. */
export function defaultQuotas(config: RecallConfig): Record<ChannelName, number> {
  return {
    popular: config.RECALL_QUOTA_POPULAR,
    'segment-popular': config.RECALL_QUOTA_SEGMENT_POPULAR,
    'topic-affinity': config.RECALL_QUOTA_TOPIC_AFFINITY,
    fresh: config.RECALL_QUOTA_FRESH,
    related: config.RECALL_QUOTA_RELATED,
    itemcf: config.RECALL_QUOTA_ITEMCF,
    usercf: config.RECALL_QUOTA_USERCF,
    graph: config.RECALL_QUOTA_GRAPH,
    als: config.RECALL_QUOTA_ALS,
    content: config.RECALL_QUOTA_CONTENT,
    realtime: config.RECALL_QUOTA_REALTIME,
    'two-tower': config.RECALL_QUOTA_TWO_TOWER,
  };
}
