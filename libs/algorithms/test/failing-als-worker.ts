// ALS worker entries that fail on purpose, for the failure tests of AlsWorkerPool: the real worker, whose first round
// of work either ends the thread ('exit') or is given a scratch slot that does not exist, so the kernels throw
// inside the worker ('throw').
import { parentPort } from 'node:worker_threads';
import { serveAlsWorker } from '../src/mf/als-workers';

/** Serves ALS work on this worker thread's parent port, failing as told on the first round. */
export function serveFailingAlsWorker(failure: 'exit' | 'throw'): void {
  const port = parentPort;
  if (!port) throw new Error('a worker entry');
  serveAlsWorker({
    postMessage: (m) => port.postMessage(m),
    on: (event, listener) =>
      port.on(event, (m: Parameters<typeof listener>[0]) => {
        if (m.type !== 'run') listener(m);
        else if (failure === 'exit') process.exit(3);
        else listener({ ...m, slot: 99 });
      }),
  });
}
