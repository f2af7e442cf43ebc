/** Entry point of the reranking service: config → app → shutdown hooks. */
import { ConfigError } from '@recsys/config';
import { installShutdown } from '@recsys/grpc';
import { createLogger } from '@recsys/logger';
import { loadConfig, type RerankingConfig } from './config';
import { startRerankingApp } from './app';

async function main(): Promise<void> {
  let config: RerankingConfig;
  try {
    config = loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
  const logger = createLogger({ service: 'reranking', level: config.LOG_LEVEL });
  const app = await startRerankingApp(config, logger);
  installShutdown({ server: app.server, logger, onShutdown: app.close });
}

main().catch((error: unknown) => {
  console.error('reranking failed to start:', error);
  process.exit(1);
});
