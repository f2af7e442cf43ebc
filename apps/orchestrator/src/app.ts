/** Composition of the orchestrator: event bus, downstream clients, pipeline, gRPC server. */
import { startGrpcServer, type GrpcServer } from '@recsys/grpc';
import type { Logger } from '@recsys/logger';
import { openEventBus } from '@recsys/stores';
import type { OrchestratorConfig } from './config';
import { noExperiments, watchExperimentConfig, type ExperimentSource } from '@recsys/experiments';
import { closeDownstreams, createDownstreams } from './gateways/clients';
import { recommendPipeline } from './pipeline';
import { orchestratorService } from './service';

/** A started orchestrator. */
export interface OrchestratorApp {
  server: GrpcServer;
  close(): Promise<void>;
}

/** Starts the orchestrator on the configured backend's event bus (the file log in `<RECSYS_DATA_DIR>/bus`, or Kafka). */
export async function startOrchestratorApp(config: OrchestratorConfig, logger: Logger): Promise<OrchestratorApp> {
  const experiments = openExperiments(config.EXPERIMENTS_FILE, logger);
  const bus = await openEventBus({
    backend: config.RECSYS_BACKEND,
    dataDir: config.RECSYS_DATA_DIR,
    kafkaBrokers: config.KAFKA_BROKERS,
    clientId: 'recsys-orchestrator',
    onWarning: (message) => logger.warn(message),
  });
  const downstreams = createDownstreams(config);
  const pipeline = recommendPipeline({
    downstreams,
    bus,
    experiments,
    recallLimit: config.RECALL_LIMIT,
    preRankLimit: config.PRERANK_LIMIT,
    fusionRules: config.FUSION_RULES,
  });
  const server = await startGrpcServer({
    name: 'orchestrator',
    port: config.GRPC_PORT,
    services: [orchestratorService({ pipeline, bus, logger, recommendTimeoutMs: config.RECOMMEND_TIMEOUT_MS })],
    logger,
  });
  logger.info('orchestrator serving', { port: server.port, backend: config.RECSYS_BACKEND });
  return {
    server,
    close: async () => {
      experiments.close();
      closeDownstreams(downstreams);
      await bus.close();
    },
  };
}

/** The experiments of `EXPERIMENTS_FILE` (none when empty), reloaded when the file changes; reloads and rejected changes are logged. */
function openExperiments(file: string, logger: Logger): ExperimentSource {
  if (file === '') {
    logger.info('no experiments configured (EXPERIMENTS_FILE is empty)');
    return noExperiments();
  }
  const source = watchExperimentConfig(file, {
    onReload: (version, c) => logger.info('experiment configuration reloaded', { file, version, layers: c.layers.map((l) => l.name).join(',') }),
    onError: (message) => logger.error('experiment configuration change rejected', { file, error: message }),
  });
  const c = source.current();
  logger.info('experiment configuration loaded', { file, version: source.version(), layers: c.layers.map((l) => l.name).join(','), holdout_percent: c.holdout?.percent ?? 0 });
  return source;
}
