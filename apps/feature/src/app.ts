/** Composition root of the feature service: event bus → feature engine → feature store → read pipelines → gRPC. */
import * as path from 'node:path';
import { FeatureEngine } from '@recsys/features';
import { startGrpcServer, type GrpcServer } from '@recsys/grpc';
import type { Logger } from '@recsys/logger';
import { openFileLogEventBus, openInMemoryFeatureStore } from '@recsys/stores';
import type { FeatureConfig } from './config';
import { buildItemFeaturesPipeline, buildUserFeaturesPipeline } from './pipeline';
import { featureServiceBinding } from './service';
import { EventClock } from './stream/event-clock';
import { startFeatureStream, type FeatureStream } from './stream/feature-stream';

/** A running feature service. */
export interface FeatureApp {
  server: GrpcServer;
  /** Resolves when everything published before the call is applied and in the store (for tests). */
  caughtUp(): Promise<void>;
  /** Stops the stream, closes the bus and snapshots the store (call after the server has shut down). */
  close(): Promise<void>;
}

/**
 * Starts the feature service: opens the embedded bus (`<RECSYS_DATA_DIR>/bus`) and feature store (snapshot at
 * `<RECSYS_DATA_DIR>/feature/store.snapshot`), rebuilds the in-memory engine by replaying the catalog and engagement
 * topics (writing every changed record to the store), and only then starts serving, so the first request sees the
 * whole log. Requests read the store, never the engine: serving goes through the FeatureStore port.
 */
export async function startFeatureApp(config: FeatureConfig, logger: Logger): Promise<FeatureApp> {
  const onWarning = (message: string) => logger.warn(message);
  const dataDir = config.RECSYS_DATA_DIR;
  const bus = await openFileLogEventBus(path.join(dataDir, 'bus'), { onWarning });
  const store = await openInMemoryFeatureStore({
    snapshotPath: path.join(dataDir, 'feature', 'store.snapshot'),
    snapshotEveryMs: config.FEATURE_SNAPSHOT_EVERY_MS,
    onWarning,
  });
  const engine = new FeatureEngine({ dedupeWindowMs: config.FEATURE_DEDUPE_WINDOW_MS });
  const clock = new EventClock();

  let stream: FeatureStream | undefined;
  const close = async () => {
    await stream?.stop();
    await bus.close();
    await store.close();
  };

  try {
    const started = Date.now();
    stream = await startFeatureStream({ bus, engine, store, clock, logger });
    logger.info('feature state rebuilt from the event bus', { ...engine.stats(), ms: Date.now() - started });
    const binding = featureServiceBinding({
      userPipeline: buildUserFeaturesPipeline({ store, logger }),
      itemPipeline: buildItemFeaturesPipeline({ store, logger }),
      now: () => clock.now(),
      maxCallMs: config.FEATURE_MAX_CALL_MS,
    });
    const server = await startGrpcServer({ name: 'feature', port: config.GRPC_PORT, services: [binding], logger });
    const running = stream;
    return { server, caughtUp: () => running.caughtUp(), close };
  } catch (error) {
    await close();
    throw error;
  }
}
