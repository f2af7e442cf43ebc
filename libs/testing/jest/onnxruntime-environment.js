// Jest's node environment with the typed-array constructors of the process' own realm, for projects that run
// onnxruntime-node: its native binding creates output arrays in that realm, and onnxruntime-common (loaded inside the
// test's vm context) checks them with `instanceof` against the context's constructors, which fails with "A float32
// tensor's data must be type of function Float32Array()". Jest already does the same for Uint8Array and ArrayBuffer.
const { TestEnvironment } = require('jest-environment-node');

const TYPED_ARRAYS = [
  'Int8Array',
  'Uint8Array',
  'Uint8ClampedArray',
  'Int16Array',
  'Uint16Array',
  'Int32Array',
  'Uint32Array',
  'Float32Array',
  'Float64Array',
  'BigInt64Array',
  'BigUint64Array',
];

class OnnxruntimeEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of TYPED_ARRAYS) this.global[name] = globalThis[name];
  }
}

module.exports = OnnxruntimeEnvironment;
