module.exports = { ...require('../../jest.preset.js'), displayName: 'reranking', rootDir: __dirname };
