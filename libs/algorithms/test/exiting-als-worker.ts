// An ALS worker entry whose thread exits on its first round of work (see failing-als-worker.ts).
import { serveFailingAlsWorker } from './failing-als-worker';

serveFailingAlsWorker('exit');
