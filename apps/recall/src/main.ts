/** Recall service entry point: config → logger → app → shutdown hooks. */
import { ConfigError } from '@recsys/config';
import { installShutdown } from '@recsys/grpc';
import { createLogger } from '@recsys/logger';
import { startRecallApp } from './app';
import { loadConfig, type RecallConfig } from './config';

async function main(): Promise<void> {
  let config: RecallConfig;
  try {
    config = loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
  const logger = createLogger({ service: 'recall', level: config.LOG_LEVEL });
  const app = await startRecallApp(config, logger);
  installShutdown({ server: app.server, logger, onShutdown: app.close });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
