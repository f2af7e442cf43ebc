/** Composition root of the recall service: event bus → in-memory index (replayed) → pipeline → gRPC server. */
import * as path from 'node:path';
import { startGrpcServer, type GrpcServer } from '@recsys/grpc';
import type { Logger } from '@recsys/logger';
import type { CandidateSource } from '@recsys/pipeline';
import { openFileLogEventBus } from '@recsys/stores';
import { defaultQuotas, type RecallConfig } from './config';
import { buildRecallPipeline } from './pipeline';
import { recallServiceBinding } from './service';
import { RecallIndex } from './state/recall-index';
import { startRecallStream, type RecallStream } from './state/recall-stream';
import type { RecallCandidate, RecallQuery } from './types';

/** Optional extensions of {@link startRecallApp}. */
export interface RecallAppOptions {
  /** Extra channels appended to the pipeline (experiments, tests of fail-open behaviour). */
  extraSources?: readonly CandidateSource<RecallQuery, RecallCandidate>[];
}

/** A running recall service. */
export interface RecallApp {
  server: GrpcServer;
  /** Resolves when everything published before the call has been applied to the index (for tests). */
  caughtUp(): Promise<void>;
  /** Stops the bus subscriptions and closes the bus (call after the server has shut down). */
  close(): Promise<void>;
}

/**
 * Starts the recall service: opens the embedded bus at `<RECSYS_DATA_DIR>/bus`, rebuilds the index by replaying
 * the catalog and engagement topics, and only then starts serving, so the first request sees the whole log.
 */
export async function startRecallApp(config: RecallConfig, logger: Logger, options: RecallAppOptions = {}): Promise<RecallApp> {
  const bus = await openFileLogEventBus(path.join(config.RECSYS_DATA_DIR, 'bus'), { onWarning: (message) => logger.warn(message) });
  const index = new RecallIndex({ halfLifeMs: config.RECALL_POPULARITY_HALF_LIFE_MS });
  let stream: RecallStream;
  try {
    const started = Date.now();
    stream = await startRecallStream({ bus, index, logger });
    logger.info('recall index rebuilt from the event bus', { ...index.stats(), ms: Date.now() - started });
  } catch (error) {
    await bus.close();
    throw error;
  }
  const pipeline = buildRecallPipeline(
    { index, channelTimeoutMs: config.RECALL_CHANNEL_TIMEOUT_MS, freshWindowMs: config.RECALL_FRESH_WINDOW_MS },
    options.extraSources,
  );
  const binding = recallServiceBinding({
    pipeline,
    index,
    defaultQuotas: defaultQuotas(config),
    defaultLimit: config.RECALL_LIMIT,
    maxCallMs: config.RECALL_MAX_CALL_MS,
    logger,
  });
  const close = async () => {
    await stream.stop();
    await bus.close();
  };
  let server: GrpcServer;
  try {
    server = await startGrpcServer({ name: 'recall', port: config.GRPC_PORT, services: [binding], logger });
  } catch (error) {
    await close();
    throw error;
  }
  return { server, caughtUp: () => stream.caughtUp(), close };
}
