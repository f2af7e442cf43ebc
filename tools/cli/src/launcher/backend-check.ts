/** Checks, before any service starts, that the servers of the `redis-kafka` backend answer. */
import { errorMessage } from '@recsys/domain';
import { openRedisFeatureStore } from '@recsys/stores';
import { Kafka, logLevel } from 'kafkajs';
import type { BackendLayout } from './services';

/** How long each server gets to answer, ms. */
const CHECK_TIMEOUT_MS = 3_000;

/** Returns the Kafka cluster's broker count; rejects when no broker of `brokers` answers a metadata request in time. */
async function checkKafka(brokers: readonly string[]): Promise<number> {
  const admin = new Kafka({
    clientId: 'recsys-start-check',
    brokers: [...brokers],
    connectionTimeout: CHECK_TIMEOUT_MS,
    requestTimeout: CHECK_TIMEOUT_MS,
    retry: { retries: 1, initialRetryTime: 200, maxRetryTime: 500 },
    logLevel: logLevel.NOTHING,
  }).admin();
  try {
    await admin.connect();
    return (await admin.describeCluster()).brokers.length;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** Resolves with where Redis is (the url, password redacted) once it answers; rejects otherwise. */
async function checkRedis(url: string): Promise<string> {
  const store = await openRedisFeatureStore({ url, connectTimeoutMs: CHECK_TIMEOUT_MS, onWarning: () => undefined });
  await store.close();
  return store.where;
}

/**
 * For `redis-kafka`, checks that Kafka answers a metadata request and Redis a connection, both within 3 s, and
 * returns a line saying so; rejects with a message naming every unreachable server and how to start the local ones
 * (`npm run infra:up`). For `embedded` there is nothing to check.
 */
export async function checkBackend(layout: BackendLayout): Promise<string> {
  if (layout.backend === 'embedded') return 'backend: embedded (event bus and feature store in the data directory)';
  const [kafka, redis] = await Promise.allSettled([checkKafka(layout.kafkaBrokers), checkRedis(layout.redisUrl)]);
  const problems: string[] = [];
  if (kafka.status === 'rejected') problems.push(`  Kafka at ${layout.kafkaBrokers.join(',')} (KAFKA_BROKERS): ${errorMessage(kafka.reason)}`);
  // The feature store's message names the url with its password redacted.
  if (redis.status === 'rejected') problems.push(`  Redis (REDIS_URL): ${errorMessage(redis.reason)}`);
  if (problems.length > 0) {
    throw new Error(
      [
        'RECSYS_BACKEND=redis-kafka, but its servers do not answer:',
        ...problems,
        'Start the local Kafka and Redis with `npm run infra:up` (docs/infra.md), or point KAFKA_BROKERS and REDIS_URL at yours.',
      ].join('\n'),
    );
  }
  const brokers = kafka.status === 'fulfilled' ? kafka.value : 0;
  const where = redis.status === 'fulfilled' ? redis.value : '';
  return `backend: redis-kafka (Kafka at ${layout.kafkaBrokers.join(',')}: ${brokers} broker${brokers === 1 ? '' : 's'}; Redis at ${where})`;
}
