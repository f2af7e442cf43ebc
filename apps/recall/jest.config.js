module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'recall',
  rootDir: __dirname,
  // onnxruntime-node's output arrays come from the process' realm (see the environment file): the two-tower channel.
  testEnvironment: require.resolve('../../libs/testing/jest/onnxruntime-environment.js'),
  // Starts the local Redis and Kafka when they are not running (docs/infra.md), also for `npx nx test recall`.
  globalSetup: require.resolve('../../tools/infra/jest-global-setup.js'),
};
