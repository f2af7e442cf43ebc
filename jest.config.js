// Runs every project's tests: `npm test`. One project's: `npx nx test <project>`.
// The global setup starts the local Redis and Kafka some tests need (docs/infra.md); projects that need them repeat it
// so that `npx nx test <project>` gets them too (jest runs one setup file once per run).
module.exports = {
  projects: ['<rootDir>/apps/*/jest.config.js', '<rootDir>/libs/*/jest.config.js', '<rootDir>/tools/*/jest.config.js'],
  globalSetup: '<rootDir>/tools/infra/jest-global-setup.js',
};
