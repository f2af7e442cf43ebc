// The swc settings tests compile TypeScript with: jest's transform (jest.preset.js) and worker threads started by
// tests (register-typescript.js).
'use strict';
module.exports = { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } };
