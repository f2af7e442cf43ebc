#!/usr/bin/env node
// Bundles runnable entry points with esbuild into dist/ (sources of @recsys/* libs inlined, npm packages external
// so OpenTelemetry and native modules load as usual). Usage: node tools/build/build.mjs [projectRoot ...]
// With no argument it builds every app, the CLI, the benchmarks and the telemetry register file.
import { build } from 'esbuild';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * The ALS worker thread's entry, written next to every bundle that trains ALS: AlsWorkerPool starts
 * `<bundle dir>/als-worker.js` (ALS_WORKER_FILE) by default.
 */
const alsWorker = (dir) => ['libs/algorithms/src/mf/als-worker.ts', `${dir}/als-worker.js`];

/** Entry points of each buildable project root: [source, output] relative to the workspace root. */
function entriesOf(projectRoot) {
  if (projectRoot.startsWith('apps/')) {
    return [[`${projectRoot}/src/main.ts`, `dist/${projectRoot}/main.js`], ...entriesOf('libs/telemetry')];
  }
  if (projectRoot === 'libs/telemetry') return [['libs/telemetry/src/register.ts', 'dist/libs/telemetry/register.js']];
  if (projectRoot === 'tools/bench') {
    return [
      ...readdirSync(join(root, 'tools/bench'))
        .filter((f) => f.endsWith('.bench.ts'))
        .map((f) => [`tools/bench/${f}`, `dist/tools/bench/${f.replace(/\.ts$/, '.js')}`]),
      alsWorker('dist/tools/bench'),
    ];
  }
  if (projectRoot === 'tools/cli') return [['tools/cli/src/main.ts', 'dist/tools/cli/main.js'], alsWorker('dist/tools/cli')];
  if (projectRoot.startsWith('tools/')) return [[`${projectRoot}/src/main.ts`, `dist/${projectRoot}/main.js`]];
  throw new Error(`nothing to bundle for ${projectRoot}`);
}

const all = [
  ...readdirSync(join(root, 'apps')).map((a) => `apps/${a}`),
  'tools/cli',
  'tools/bench',
];
const projects = process.argv.slice(2).map((p) => relative(root, join(root, p)).replace(/\\/g, '/'));
// Keyed by output: one source (the ALS worker) may be bundled into several folders.
const entries = new Map((projects.length ? projects : all).flatMap(entriesOf).map(([src, out]) => [out, src]));

await Promise.all(
  [...entries].map(([out, src]) => {
    if (!existsSync(join(root, src))) throw new Error(`missing entry point ${src}`);
    return build({
      absWorkingDir: root,
      entryPoints: [src],
      outfile: out,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      packages: 'external',
      sourcemap: true,
      tsconfig: 'tsconfig.base.json',
      logLevel: 'warning',
    });
  }),
);
console.log(`built ${entries.size} bundle(s) into dist/`);
