/** Orchestrator service entry point: config → logger → app → shutdown hooks (see @recsys/grpc runService). */
import { runService } from '@recsys/grpc';
import { startOrchestratorApp } from './app';
import { loadConfig } from './config';

runService({ service: 'orchestrator', loadConfig: () => loadConfig(), start: (config, logger) => startOrchestratorApp(config, logger) });
