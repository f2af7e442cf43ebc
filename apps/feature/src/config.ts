/** Feature service configuration: every environment variable it reads, with typed defaults. */
import { dataDir, durationMs, logLevel, parseConfig, port } from '@recsys/config';
import type { z } from 'zod';

const positiveDuration = (defaultMs: number) => durationMs(defaultMs).refine((ms) => ms > 0, { message: 'must be > 0' });

/** The environment schema of the feature service. */
export const FEATURE_CONFIG_SHAPE = {
  /** gRPC listen port (0 = any free port). */
  GRPC_PORT: port(50053),
  /** Local state directory: the event bus in `<dir>/bus`, the store snapshot in `<dir>/feature/store.snapshot`. */
  RECSYS_DATA_DIR: dataDir('.data'),
  LOG_LEVEL: logLevel(),
  /** Longest one read may run, ms; a caller's earlier deadline wins. */
  FEATURE_MAX_CALL_MS: positiveDuration(200),
  /** How often the embedded feature store is snapshotted to disk, ms (it is also snapshotted on shutdown). */
  FEATURE_SNAPSHOT_EVERY_MS: positiveDuration(60_000),
  /** How far back in event time duplicate event ids are detected, ms (default 24 h); older events are dropped as late. */
  FEATURE_DEDUPE_WINDOW_MS: positiveDuration(24 * 3_600_000),
};

/** The parsed feature service configuration. */
export type FeatureConfig = z.infer<z.ZodObject<typeof FEATURE_CONFIG_SHAPE>>;

/** Parses the feature service configuration from `env`; throws `ConfigError` listing every problem. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): FeatureConfig {
  return parseConfig(FEATURE_CONFIG_SHAPE, env, 'feature');
}
