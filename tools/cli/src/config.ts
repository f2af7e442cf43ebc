/** The environment the CLI reads: which backend `recsys start` runs the services on, and where its servers are. */
import { backend, kafkaBrokers, parseConfig, redisUrl } from '@recsys/config';
import type { z } from 'zod';

/** The CLI's environment schema (the same variables and defaults as the services'). */
export const CLI_CONFIG_SHAPE = {
  /** `embedded` (default: file-log bus and in-memory feature store in the data directory) or `redis-kafka`. */
  RECSYS_BACKEND: backend(),
  /** Kafka bootstrap brokers of the `redis-kafka` backend, comma-separated `host:port`. */
  KAFKA_BROKERS: kafkaBrokers(),
  /** Redis of the `redis-kafka` backend. */
  REDIS_URL: redisUrl(),
};

/** The parsed CLI configuration. */
export type CliConfig = z.infer<z.ZodObject<typeof CLI_CONFIG_SHAPE>>;

/** Parses the CLI configuration from `env`; throws `ConfigError` listing every problem. */
export function loadCliConfig(env: NodeJS.ProcessEnv = process.env): CliConfig {
  return parseConfig(CLI_CONFIG_SHAPE, env, 'recsys');
}
