#!/usr/bin/env node
// Entry of `npx recsys`: bundles the CLI on first use (esbuild, well under a second), then runs it.
'use strict';
const { existsSync, statSync, readdirSync } = require('node:fs');
const { join } = require('node:path');
const { execFileSync } = require('node:child_process');

const root = join(__dirname, '..', '..', '..');
const bundle = join(root, 'dist', 'tools', 'cli', 'main.js');
// Built with the bundle: the entry of the worker threads that train ALS.
const alsWorker = join(root, 'dist', 'tools', 'cli', 'als-worker.js');

/** Newest modification time of any .ts source the CLI bundle is built from. */
function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist' || entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

const stale =
  !existsSync(bundle) ||
  !existsSync(alsWorker) ||
  Math.max(newestSource(join(root, 'tools', 'cli', 'src')), newestSource(join(root, 'libs'))) > statSync(bundle).mtimeMs;
if (stale) execFileSync(process.execPath, [join(root, 'tools', 'build', 'build.mjs'), 'tools/cli'], { stdio: 'ignore' });
require(bundle);
