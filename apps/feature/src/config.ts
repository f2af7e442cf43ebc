/** Feature service configuration: every environment variable it reads, with typed defaults. */
import { backend, dataDir, durationMs, kafkaBrokers, logLevel, parseConfig, port, redisUrl } from '@recsys/config';
import { z } from 'zod';
import { ENGAGEMENT_BATCH } from './stream/feature-stream';

const positiveDuration = (defaultMs: number) => durationMs(defaultMs).refine((ms) => ms > 0, { message: 'must be > 0' });

/** The environment schema of the feature service. */
export const FEATURE_CONFIG_SHAPE = {
  /** gRPC listen port (0 = any free port). */
  GRPC_PORT: port(50053),
  /**
   * `embedded` (default): the event bus in `<RECSYS_DATA_DIR>/bus` and an in-memory feature store snapshotted to
   * `<RECSYS_DATA_DIR>/feature/store.snapshot`; `redis-kafka`: Kafka at KAFKA_BROKERS and Redis at REDIS_URL.
   */
  RECSYS_BACKEND: backend(),
  KAFKA_BROKERS: kafkaBrokers(),
  REDIS_URL: redisUrl(),
  /** Local state directory (embedded backend). */
  RECSYS_DATA_DIR: dataDir('.data'),
  LOG_LEVEL: logLevel(),
  /** Longest one read may run, ms; a caller's earlier deadline wins. */
  FEATURE_MAX_CALL_MS: positiveDuration(200),
  /** How often the embedded feature store is snapshotted to disk, ms (it is also snapshotted on shutdown). */
  FEATURE_SNAPSHOT_EVERY_MS: positiveDuration(60_000),
  /** How long an applied event id is remembered, so a client's retry of the same event is not counted twice, hours. */
  FEATURE_DEDUPE_TTL_HOURS: z.coerce.number().positive().max(24 * 3650).default(7 * 24),
  /** Records of users, items and creators without an event for this long expire from the store, days. */
  FEATURE_RECORD_TTL_DAYS: z.coerce.number().positive().max(3650).default(90),
  /**
   * Largest engagement batch: events applied per store transaction (each touched user's record is decoded and encoded
   * once per batch). docs/benchmarks.md measures it.
   */
  FEATURE_ENGAGEMENT_BATCH: z.coerce.number().int().min(1).max(100_000).default(ENGAGEMENT_BATCH),
  /** Engagement partitions whose watermarks are read with every request (at least the topic's partition count). */
  FEATURE_SNAPSHOT_PARTITIONS: z.coerce.number().int().min(1).max(256).default(8),
  /**
   * Consumer group of the engagement subscription (redis-kafka: replicas of one deployment share it and its committed
   * positions); the catalog subscription uses `<group>-catalog`. Two deployments on one Kafka need two groups.
   */
  FEATURE_GROUP_ID: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9._-]{1,200}$/, { message: "expected 1-200 letters, digits, '.', '-' or '_'" })
    .default('feature'),
  /**
   * Prefix of every feature-store key this service reads and writes (records, markers, watermarks), e.g. `prod:`;
   * empty by default. Lets deployments (or test runs) share one Redis without seeing each other's state.
   */
  FEATURE_KEY_PREFIX: z
    .string()
    .regex(/^[\x21-\x7e]{0,64}$/, { message: 'expected at most 64 printable ASCII characters without spaces' })
    .default(''),
};

/** The parsed feature service configuration. */
export type FeatureConfig = z.infer<z.ZodObject<typeof FEATURE_CONFIG_SHAPE>>;

/** Parses the feature service configuration from `env`; throws `ConfigError` listing every problem. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): FeatureConfig {
  return parseConfig(FEATURE_CONFIG_SHAPE, env, 'feature');
}
