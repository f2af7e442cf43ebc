/** The entry point every service's main.ts runs: config → logger → app → shutdown hooks. */
import { ConfigError } from '@recsys/config';
import { createLogger, type Logger } from '@recsys/logger';
import type { GrpcServer } from './server';
import { installShutdown } from './shutdown';

/** A started service: its server and what to close after the server has drained. */
export interface StartedService {
  server: GrpcServer;
  close(): Promise<void>;
}

/** How to run one service. */
export interface RunServiceOptions<C extends { LOG_LEVEL: 'debug' | 'info' | 'warn' | 'error' }> {
  /** Service name for logs. */
  service: string;
  /** Parses the environment; throws ConfigError listing every problem. */
  loadConfig: () => C;
  /** Builds stores, clients and pipeline and starts the gRPC server. */
  start: (config: C, logger: Logger) => Promise<StartedService>;
}

/**
 * Runs a service until SIGTERM/SIGINT. A configuration problem prints every issue and exits 1; a start-up
 * failure prints the error and exits 1.
 */
export function runService<C extends { LOG_LEVEL: 'debug' | 'info' | 'warn' | 'error' }>(opts: RunServiceOptions<C>): void {
  const main = async (): Promise<void> => {
    const config = opts.loadConfig();
    const logger = createLogger({ service: opts.service, level: config.LOG_LEVEL });
    const app = await opts.start(config, logger);
    installShutdown({ server: app.server, logger, onShutdown: app.close });
  };
  main().catch((error: unknown) => {
    console.error(error instanceof ConfigError ? error.message : error);
    process.exit(1);
  });
}
