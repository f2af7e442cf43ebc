// Entry of an ALS worker thread of AlsWorkerPool; tools/build/build.mjs bundles it as als-worker.js next to the CLI and benchmarks.
import { parentPort } from 'node:worker_threads';
import { serveAlsWorker } from './als-workers';

if (!parentPort) throw new Error('als-worker runs as a worker thread of AlsWorkerPool, not as a program');
serveAlsWorker(parentPort);
