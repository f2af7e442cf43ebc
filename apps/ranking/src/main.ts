/** Entry point of the ranking service: config → app → shutdown hooks. */
import { ConfigError } from '@recsys/config';
import { installShutdown } from '@recsys/grpc';
import { createLogger } from '@recsys/logger';
import { loadConfig, type RankingConfig } from './config';
import { startRankingApp } from './app';

async function main(): Promise<void> {
  let config: RankingConfig;
  try {
    config = loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
  const logger = createLogger({ service: 'ranking', level: config.LOG_LEVEL });
  const app = await startRankingApp(config, logger);
  installShutdown({ server: app.server, logger, onShutdown: app.close });
}

main().catch((error: unknown) => {
  console.error(`ranking failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
