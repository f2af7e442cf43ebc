module.exports = { ...require('../../jest.preset.js'), displayName: 'feature', rootDir: __dirname };
