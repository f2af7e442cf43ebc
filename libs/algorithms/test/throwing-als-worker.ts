// An ALS worker entry whose kernels throw on its first round of work (see failing-als-worker.ts).
import { serveFailingAlsWorker } from './failing-als-worker';

serveFailingAlsWorker('throw');
