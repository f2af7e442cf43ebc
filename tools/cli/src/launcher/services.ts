/** The five services of the system, their default ports and the environment each is started with. */
import { join } from 'node:path';
import type { Backend } from '@recsys/stores';

/** Name of a service (also its folder under apps/). */
export type ServiceName = 'orchestrator' | 'recall' | 'feature' | 'ranking' | 'reranking';

/** Start order: dependencies first, the orchestrator (the public API) last. */
export const SERVICE_NAMES: readonly ServiceName[] = ['feature', 'recall', 'ranking', 'reranking', 'orchestrator'];

/** Default gRPC ports (the orchestrator's is the public one). */
export const DEFAULT_PORTS: Readonly<Record<ServiceName, number>> = {
  orchestrator: 50051,
  recall: 50052,
  feature: 50053,
  ranking: 50054,
  reranking: 50055,
};

/** Which adapters the services run on (`RECSYS_BACKEND`) and, for `redis-kafka`, where the servers are. */
export interface BackendLayout {
  backend: Backend;
  /** Kafka bootstrap brokers, `host:port` (used by `redis-kafka`). */
  kafkaBrokers: readonly string[];
  /** Redis url (used by `redis-kafka`). */
  redisUrl: string;
}

/** Where one running system keeps its state. */
export interface SystemLayout {
  /** Root of the local data directory (event bus log, feature snapshots). */
  dataDir: string;
  /** Model store directory. */
  modelDir: string;
  /** Port of each service. */
  ports: Record<ServiceName, number>;
  /** OTLP/HTTP endpoint for traces, when tracing is exported. */
  otlpEndpoint?: string;
  /** Log level of every service. */
  logLevel?: string;
  /** The backend of every service; absent: each service's own default (`embedded`) unless the environment says otherwise. */
  backend?: BackendLayout;
  /**
   * The orchestrator's experiment configuration file (`EXPERIMENTS_FILE`); absent: the environment's `EXPERIMENTS_FILE`,
   * else the repository's {@link defaultExperimentsFile} (the launcher fills it in).
   */
  experimentsFile?: string;
}

/** The experiments a launched system runs unless told otherwise: `apps/orchestrator/config/experiments.json`. */
export function defaultExperimentsFile(root: string): string {
  return join(root, 'apps', 'orchestrator', 'config', 'experiments.json');
}

/**
 * V8 flags each service runs with. The feature service applies the engagement stream in batches whose garbage
 * outlives V8's default 16 MB young generation; 64 MB semi-spaces cut its first-run replay of the demo log by about a
 * fifth for ~130 MB more RSS (docs/benchmarks.md, "npm start's first run"). The Helm chart sets the same flag through
 * `NODE_OPTIONS` in `services.feature.env` (helm/recsys/values.yaml).
 */
export const SERVICE_NODE_FLAGS: Readonly<Record<ServiceName, readonly string[]>> = {
  feature: ['--max-semi-space-size=64'],
  recall: [],
  ranking: [],
  reranking: [],
  orchestrator: [],
};

/** Environment variables of one service process (CONVENTIONS.md names). */
export function serviceEnv(name: ServiceName, layout: SystemLayout): Record<string, string> {
  const addr = (s: ServiceName) => `127.0.0.1:${layout.ports[s]}`;
  const env: Record<string, string> = {
    GRPC_PORT: String(layout.ports[name]),
    RECSYS_DATA_DIR: layout.dataDir,
    MODEL_STORE_DIR: layout.modelDir,
    LOG_LEVEL: layout.logLevel ?? 'info',
    OTEL_SERVICE_NAME: `recsys-${name}`,
    OTEL_TRACES_EXPORTER: layout.otlpEndpoint ? 'otlp' : 'none',
  };
  if (layout.otlpEndpoint) env.OTEL_EXPORTER_OTLP_ENDPOINT = layout.otlpEndpoint;
  if (layout.backend) {
    env.RECSYS_BACKEND = layout.backend.backend;
    env.KAFKA_BROKERS = layout.backend.kafkaBrokers.join(',');
    env.REDIS_URL = layout.backend.redisUrl;
  }
  // The recall artifacts (CF tables, ALS) live with the rest of the local state (the committed models/ folder holds
  // the demo's trained models: the rankers and the two-tower model); `npm start` builds them there on its first run.
  if (name === 'recall') env.RECALL_MODEL_DIR = join(layout.dataDir, 'models');
  if (name === 'orchestrator') {
    env.RECALL_ADDR = addr('recall');
    env.FEATURE_ADDR = addr('feature');
    env.RANKING_ADDR = addr('ranking');
    env.RERANKING_ADDR = addr('reranking');
    if (layout.experimentsFile !== undefined) env.EXPERIMENTS_FILE = layout.experimentsFile;
  }
  return env;
}
