// How tests start ALS worker threads from the TypeScript sources: the entry, compiled on load by swc with jest's
// settings (tools/infra/register-typescript.js; @recsys/testing's typeScriptWorker does the same for projects that
// may depend on it, which this library may not).
import { join, resolve } from 'node:path';
import { type AlsWorkerScript } from '../src/mf/als-workers';

const ROOT = resolve(__dirname, '..', '..', '..');

/** A TypeScript worker entry, `file` from the workspace root. */
const typeScriptWorker = (file: string): AlsWorkerScript => ({ script: join(ROOT, file), execArgv: ['--require', join(ROOT, 'tools/infra/register-typescript.js')] });

/** The ALS worker entry of the sources. */
export const SOURCE_ALS_WORKER: AlsWorkerScript = typeScriptWorker('libs/algorithms/src/mf/als-worker.ts');

/** A worker entry of this test folder, e.g. one that fails on purpose. */
export const testWorker = (file: string): AlsWorkerScript => typeScriptWorker(`libs/algorithms/test/${file}`);
