module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'ranking',
  rootDir: __dirname,
  // Starts the local Redis and Kafka when they are not running (docs/infra.md), also for `npx nx test ranking`.
  globalSetup: require.resolve('../../tools/infra/jest-global-setup.js'),
};
