// Lets a worker thread started by a test run TypeScript sources: new Worker('x.ts', { execArgv: ['--require', <this
// file>] }). Compiles each .ts file it requires with swc, with the settings of jest's transform.
'use strict';
const { readFileSync } = require('node:fs');
const { transformSync } = require('@swc/core');
const options = require('./swc-options.js');

require.extensions['.ts'] = (module, filename) => {
  const { code } = transformSync(readFileSync(filename, 'utf8'), { ...options, filename });
  module._compile(code, filename);
};
