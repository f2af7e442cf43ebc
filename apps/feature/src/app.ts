/** Composition root of the feature service: event bus → stream processor → feature store → read pipelines → gRPC. */
import * as path from 'node:path';
import { errorMessage } from '@recsys/domain';
import { Catalog } from '@recsys/features';
import { startGrpcServer, type GrpcServer } from '@recsys/grpc';
import type { Logger } from '@recsys/logger';
import { openEventBus, openFeatureStore, type EventBus, type FeatureStore } from '@recsys/stores';
import type { FeatureConfig } from './config';
import { buildItemFeaturesPipeline, buildUserFeaturesPipeline } from './pipeline';
import { withKeyPrefix } from './prefixed-feature-store';
import { featureServiceBinding } from './service';
import { EngagementProcessor } from './stream/engagement-processor';
import { EventClock } from './stream/event-clock';
import { startFeatureStream, type FeatureStream, type FeatureStreamStats } from './stream/feature-stream';

/** A running feature service. */
export interface FeatureApp {
  server: GrpcServer;
  /** Resolves when everything published before the call is applied and in the store (for tests). */
  caughtUp(): Promise<void>;
  /** What the stream processor did since start. */
  stats(): FeatureStreamStats;
  /** Stops the stream, closes the bus and the store (call after the server has shut down). */
  close(): Promise<void>;
}

/**
 * Starts the feature service on the configured backend:
 * - embedded: the file-log bus in `<RECSYS_DATA_DIR>/bus` and the in-memory store restored from
 *   `<RECSYS_DATA_DIR>/feature/store.snapshot`; engagement is replayed from the start, skipping what the snapshot's
 *   watermarks say it already holds;
 * - redis-kafka: Kafka and Redis; engagement is consumed by the durable consumer group FEATURE_GROUP_ID (default
 *   `feature`; replicas share the partitions).
 * Every store key gets the FEATURE_KEY_PREFIX (default none).
 * The catalog is replayed into memory first; serving starts once the stream has caught up with the log, so the
 * first request sees everything published before start. Requests read the store, never the processor's state.
 */
export async function startFeatureApp(config: FeatureConfig, logger: Logger): Promise<FeatureApp> {
  const onWarning = (message: string) => logger.warn(message);
  const embedded = config.RECSYS_BACKEND === 'embedded';
  let bus: EventBus | undefined;
  let store: FeatureStore | undefined;
  let stream: FeatureStream | undefined;
  const close = async () => {
    await stream?.stop();
    await bus?.close();
    await store?.close();
  };

  try {
    const openedBus = await openEventBus({
      backend: config.RECSYS_BACKEND,
      dataDir: config.RECSYS_DATA_DIR,
      kafkaBrokers: config.KAFKA_BROKERS,
      clientId: 'recsys-feature',
      onWarning,
    });
    bus = openedBus;
    const opened = await openFeatureStore({
      backend: config.RECSYS_BACKEND,
      redisUrl: config.REDIS_URL,
      snapshotPath: path.join(config.RECSYS_DATA_DIR, 'feature', 'store.snapshot'),
      snapshotEveryMs: config.FEATURE_SNAPSHOT_EVERY_MS,
      onWarning,
    });
    store = opened;
    const openedStore = withKeyPrefix(opened, config.FEATURE_KEY_PREFIX);
    const catalog = new Catalog();
    const clock = new EventClock();
    const processor = new EngagementProcessor(openedStore, catalog, {
      markerTtlMs: config.FEATURE_DEDUPE_TTL_HOURS * 3_600_000,
      recordTtlMs: config.FEATURE_RECORD_TTL_DAYS * 86_400_000,
      onCorruptRecord: (key, error) => logger.error('corrupt feature record overwritten by the stream', { key, error: errorMessage(error) }),
    });
    const started = Date.now();
    const running = await startFeatureStream({ bus: openedBus, catalog, processor, clock, logger, engagementMode: embedded ? 'replay' : 'group', groupId: config.FEATURE_GROUP_ID, maxBatch: config.FEATURE_ENGAGEMENT_BATCH });
    stream = running;
    const memory = process.memoryUsage();
    logger.info('feature stream caught up', {
      backend: config.RECSYS_BACKEND,
      ...catalog.sizes(),
      ...running.stats(),
      ms: Date.now() - started,
      rssBytes: memory.rss,
      heapUsedBytes: memory.heapUsed,
      arrayBuffersBytes: memory.arrayBuffers,
    });
    const pipelineDeps = { store: openedStore, catalog, logger, partitions: config.FEATURE_SNAPSHOT_PARTITIONS };
    const binding = featureServiceBinding({
      userPipeline: buildUserFeaturesPipeline(pipelineDeps),
      itemPipeline: buildItemFeaturesPipeline(pipelineDeps),
      catalog,
      now: () => clock.now(),
      maxCallMs: config.FEATURE_MAX_CALL_MS,
    });
    const server = await startGrpcServer({ name: 'feature', port: config.GRPC_PORT, services: [binding], logger });
    return { server, caughtUp: () => running.caughtUp(), stats: () => running.stats(), close };
  } catch (error) {
    await close();
    throw error;
  }
}
