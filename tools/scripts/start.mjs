#!/usr/bin/env node
// `npm start`: bundles every service and the CLI, then runs `recsys start` (five services on embedded defaults,
// demo world loaded on first run). Arguments after `--` are passed on, e.g. `npm start -- --reset`.
import { execFileSync, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
execFileSync(process.execPath, [join(root, 'tools/build/build.mjs')], { stdio: 'inherit', cwd: root });
const child = spawn(process.execPath, [join(root, 'dist/tools/cli/main.js'), 'start', ...process.argv.slice(2)], {
  stdio: 'inherit',
  cwd: root,
});
// The CLI handles Ctrl-C itself (it stops the services cleanly); keep this wrapper alive until it is done.
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
