module.exports = { ...require('../../jest.preset.js'), displayName: 'algorithms', rootDir: __dirname };
