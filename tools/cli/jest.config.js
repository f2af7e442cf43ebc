module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'cli',
  rootDir: __dirname,
  // Starts the local Redis and Kafka when they are not running (docs/infra.md), also for `npx nx test cli`.
  globalSetup: require.resolve('../../tools/infra/jest-global-setup.js'),
};
