/** Orchestrator entry point: config → app → shutdown hooks. */
import { ConfigError } from '@recsys/config';
import { installShutdown } from '@recsys/grpc';
import { createLogger } from '@recsys/logger';
import { startOrchestratorApp } from './app';
import { loadConfig } from './config';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ service: 'orchestrator', level: config.LOG_LEVEL });
  const app = await startOrchestratorApp(config, logger);
  installShutdown({ server: app.server, logger, onShutdown: app.close });
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
