/** Feature service entry point: config → logger → app → shutdown hooks. */
import { ConfigError } from '@recsys/config';
import { installShutdown } from '@recsys/grpc';
import { createLogger } from '@recsys/logger';
import { startFeatureApp } from './app';
import { loadConfig, type FeatureConfig } from './config';

async function main(): Promise<void> {
  let config: FeatureConfig;
  try {
    config = loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
  const logger = createLogger({ service: 'feature', level: config.LOG_LEVEL });
  const app = await startFeatureApp(config, logger);
  installShutdown({ server: app.server, logger, onShutdown: app.close });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
