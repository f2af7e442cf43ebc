/** Composition root of the recall service: bus → in-memory state (replayed) → models → pipeline → gRPC server. */
import { startGrpcServer, type GrpcServer } from '@recsys/grpc';
import type { Logger } from '@recsys/logger';
import type { CandidateSource } from '@recsys/pipeline';
import { LocalModelStore, openEventBus, openHnswVectorStore, openQdrantVectorStore, type VectorStore } from '@recsys/stores';
import { defaultQuotas, recallModelDir, vectorDir, type RecallConfig } from './config';
import { openRecallModels, type RecallModels } from './models/recall-models';
import { TwoTowerRecall } from './models/two-tower-recall';
import { buildRecallPipeline } from './pipeline';
import { recallCall, recallServiceBinding, type RecallServiceDeps } from './service';
import { ContentVectors } from './state/content-vectors';
import { RecallIndex } from './state/recall-index';
import { startRecallStream, type RecallStream } from './state/recall-stream';
import { SaveGraph } from './state/save-graph';
import type { RecallCandidate, RecallQuery } from './types';
import { warmUp } from './warm-up';

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
  /** The recall artifacts in use (for tests and operators). */
  models: RecallModels;
  /** The two-tower model of the `two-tower` channel and its item collection (for tests and operators). */
  twoTower: TwoTowerRecall;
  /** Stops the bus subscriptions and the model watch, closes the bus and the vector store (after server shutdown). */
  close(): Promise<void>;
}

/** The vector store of the config: Qdrant when `QDRANT_URL` is set, else embedded HNSW persisted in `<data>/vectors`. */
async function openVectorStore(config: RecallConfig): Promise<VectorStore> {
  if (config.QDRANT_URL) return openQdrantVectorStore({ url: config.QDRANT_URL });
  return openHnswVectorStore({ dir: vectorDir(config), efConstruction: config.RECALL_HNSW_EF_CONSTRUCTION });
}

/**
 * Starts the recall service: opens the configured backend's event bus (the file log at `<RECSYS_DATA_DIR>/bus`, or
 * Kafka) and the vector store, rebuilds the index, the save graph and the content vectors by replaying the catalog
 * and engagement topics, loads the recall artifacts and the two-tower model (indexing its item embeddings) from their
 * model stores (and keeps watching them), warms the request path up (`warmUp`: a few dozen recall calls, so V8 has
 * compiled the channels before the first real request), and only then starts serving, so the first request sees the
 * whole log and every artifact present at start and is not degraded by a cold process.
 */
export async function startRecallApp(config: RecallConfig, logger: Logger, options: RecallAppOptions = {}): Promise<RecallApp> {
  const cleanups: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  };
  try {
    const bus = await openEventBus({
      backend: config.RECSYS_BACKEND,
      dataDir: config.RECSYS_DATA_DIR,
      kafkaBrokers: config.KAFKA_BROKERS,
      clientId: 'recsys-recall',
      onWarning: (message) => logger.warn(message),
    });
    cleanups.push(() => bus.close());
    const vectors = await openVectorStore(config);
    cleanups.push(() => vectors.close());

    const index = new RecallIndex({ halfLifeMs: config.RECALL_POPULARITY_HALF_LIFE_MS, freshWindowMs: config.RECALL_FRESH_WINDOW_MS });
    const graph = new SaveGraph(index.ids);
    const content = new ContentVectors(vectors, logger);
    const twoTower = new TwoTowerRecall({
      store: new LocalModelStore(config.MODEL_STORE_DIR, { onWarning: (message) => logger.warn(message) }),
      name: config.RECALL_TWO_TOWER_MODEL,
      vectors,
      index,
      logger,
      pollMs: config.RECALL_MODEL_POLL_MS,
    });
    cleanups.push(() => twoTower.close());
    const started = Date.now();
    const stream: RecallStream = await startRecallStream({ bus, index, logger, graph, content, twoTower });
    cleanups.push(() => stream.stop());
    const memory = process.memoryUsage();
    logger.info('recall state rebuilt from the event bus', {
      ...index.stats(),
      graph: graph.stats(),
      contentDimension: content.dimension,
      contentSkipped: content.skippedItems,
      ms: Date.now() - started,
      rssBytes: memory.rss,
      heapUsedBytes: memory.heapUsed,
      externalBytes: memory.external,
    });

    const modelDir = recallModelDir(config);
    const models = await openRecallModels({
      store: new LocalModelStore(modelDir, { onWarning: (message) => logger.warn(message) }),
      vectors,
      ids: index.ids,
      logger,
      pollMs: config.RECALL_MODEL_POLL_MS,
    });
    cleanups.push(() => models.close());
    await twoTower.start();
    logger.info('recall models', {
      dir: modelDir,
      versions: models.versions(),
      twoTower: { dir: config.MODEL_STORE_DIR, model: config.RECALL_TWO_TOWER_MODEL, version: twoTower.version() },
      vectorStore: config.QDRANT_URL ? 'qdrant' : 'embedded hnsw',
    });

    const timeoutMs = config.RECALL_CHANNEL_TIMEOUT_MS;
    const pipeline = buildRecallPipeline(
      {
        index,
        models,
        graph,
        content,
        twoTower,
        vectors,
        channelTimeoutMs: timeoutMs,
        realtimeWindowMs: config.RECALL_REALTIME_WINDOW_MS,
        graphSteps: config.RECALL_GRAPH_STEPS,
      },
      options.extraSources,
    );
    const serviceDeps: RecallServiceDeps = {
      pipeline,
      index,
      defaultQuotas: defaultQuotas(config),
      defaultLimit: config.RECALL_LIMIT,
      maxCallMs: config.RECALL_MAX_CALL_MS,
      logger,
    };
    const warmStarted = Date.now();
    const warmCalls = await warmUp(recallCall(serviceDeps, true), index);
    logger.info('recall warmed up', { calls: warmCalls, ms: Date.now() - warmStarted });
    const server = await startGrpcServer({ name: 'recall', port: config.GRPC_PORT, services: [recallServiceBinding(serviceDeps)], logger });
    return { server, caughtUp: () => stream.caughtUp(), models, twoTower, close };
  } catch (error) {
    await close();
    throw error;
  }
}
