module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'models',
  rootDir: __dirname,
  // onnxruntime-node's output arrays come from the process' realm (see the environment file).
  testEnvironment: require.resolve('../testing/jest/onnxruntime-environment.js'),
};
