module.exports = { ...require('../../jest.preset.js'), displayName: 'evaluation', rootDir: __dirname };
