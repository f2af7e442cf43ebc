/** The worker threads the CLI's ALS trainings run on (`build-recall`, `eval`, `start`'s first-run models). */
import { availableParallelism } from 'node:os';
import { AlsWorkerPool, type AlsWorkerScript } from '@recsys/algorithms';

/** How a command trains ALS. */
export interface AlsThreadOptions {
  /** Threads ALS trains on (default: the available cores); 1 trains in this thread. */
  threads?: number;
  /** The worker threads' script (default: als-worker.js next to the CLI bundle; tests pass the TypeScript entry). */
  alsWorker?: AlsWorkerScript;
}

/** Help text of the `--threads` option, its second line indented to `column`. */
export function threadsUsage(column: number): string {
  return (
    `threads ALS trains on: this one and N - 1 worker threads (default: the available\n${' '.repeat(column)}` +
    `cores, here ${availableParallelism()}); 1 trains in this thread. The factors are the same for every N.`
  );
}

/**
 * A pool of `threads` threads (default: the available cores), or undefined for one thread. If the worker threads
 * cannot start (e.g. the CLI runs without its bundled worker script), says so through `print` and returns
 * undefined: the caller trains in this thread, to the same factors. The caller closes the pool.
 */
export async function startAlsThreads(o: AlsThreadOptions, print: (line: string) => void): Promise<AlsWorkerPool | undefined> {
  const threads = o.threads ?? availableParallelism();
  if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`threads must be a positive integer, got ${threads}`);
  if (threads === 1) return undefined;
  try {
    return await AlsWorkerPool.start(threads, o.alsWorker);
  } catch (error) {
    print(`ALS worker threads did not start (${error instanceof Error ? error.message : String(error)}); training ALS in one thread`);
    return undefined;
  }
}
