// How tests start ALS worker threads from the TypeScript sources: the worker entry, compiled on load by swc with
// jest's settings (tools/infra/register-typescript.js).
import { join, resolve } from 'node:path';
import { type AlsWorkerScript } from '../src/mf/als-workers';

const ROOT = resolve(__dirname, '..', '..', '..');

/** Node options that let a worker thread load .ts files. */
export const TYPESCRIPT_EXEC_ARGV: readonly string[] = ['--require', join(ROOT, 'tools/infra/register-typescript.js')];

/** The ALS worker entry of the sources. */
export const SOURCE_ALS_WORKER: AlsWorkerScript = { script: join(ROOT, 'libs/algorithms/src/mf/als-worker.ts'), execArgv: TYPESCRIPT_EXEC_ARGV };
