// Worker threads started by tests from TypeScript sources: the script and the Node options that let it load .ts files.
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..', '..');

/**
 * How a test starts a worker thread on the TypeScript file `script` (a path from the workspace root): the absolute
 * path, and `--require tools/infra/register-typescript.js`, which compiles every .ts file the worker loads with
 * jest's swc settings. Workers see no jest module mapping: the script must import by relative paths.
 */
export function typeScriptWorker(script: string): { script: string; execArgv: string[] } {
  return { script: join(ROOT, script), execArgv: ['--require', join(ROOT, 'tools/infra/register-typescript.js')] };
}
