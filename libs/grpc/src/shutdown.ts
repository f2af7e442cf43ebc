// SIGTERM/SIGINT handling: stop reporting ready, drain calls, run the app's cleanup, flush traces, exit.
import type { Logger } from '@recsys/logger';
import { flushTelemetry } from '@recsys/telemetry';
import type { GrpcServer } from './server';

/** Options of {@link installShutdown}. */
export interface ShutdownOptions {
  server: GrpcServer;
  logger: Logger;
  /** How long in-flight calls may take to finish; default 10 000 ms (keep it below the pod's grace period). */
  graceMs?: number;
  /** Closes the app's own resources (stores, clients) after the server stopped. */
  onShutdown?: () => Promise<void>;
}

/**
 * On the first SIGTERM or SIGINT: health NOT_SERVING → `server.shutdown(graceMs)` (drain, then cancel what is left) →
 * `onShutdown` → flushTelemetry → exit 0 (exit 1 when a step failed; the later steps still run). A second signal
 * while draining exits 1 at once.
 */
export function installShutdown(opts: ShutdownOptions): void {
  let started = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (started) {
      opts.logger.warn('second signal while shutting down, exiting now', { signal });
      process.exit(1);
    }
    started = true;
    opts.logger.info('shutdown requested', { signal });
    void (async () => {
      let failed = false;
      const step = async (what: string, fn: () => Promise<void>) => {
        try {
          await fn();
        } catch (error) {
          failed = true;
          opts.logger.error(`shutdown: ${what} failed`, { err: error });
        }
      };
      opts.server.setServing(false);
      await step('server shutdown', () => opts.server.shutdown(opts.graceMs));
      if (opts.onShutdown) await step('onShutdown', opts.onShutdown);
      opts.logger.info('shutdown complete', { exitCode: failed ? 1 : 0 });
      await flushTelemetry();
      process.exit(failed ? 1 : 0);
    })();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
