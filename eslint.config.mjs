// Lint for every project. Library boundaries are enforced here by nx tags:
//   apps → libs only; libs never import apps or tools; the pipeline framework and the algorithms import no wire types.
import js from '@eslint/js';
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

const wireImports = ['@grpc/grpc-js', '@grpc/*', '@bufbuild/*', 'protobufjs', 'grpc-health-check'];

const depConstraints = [
  { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:util', 'type:pipeline', 'type:algorithms', 'type:contracts', 'type:data', 'type:grpc', 'type:testing'] },
  { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['type:util', 'type:pipeline', 'type:algorithms', 'type:contracts', 'type:data', 'type:grpc', 'type:testing', 'type:tool'] },
  { sourceTag: 'type:pipeline', onlyDependOnLibsWithTags: ['type:util'], bannedExternalImports: wireImports },
  { sourceTag: 'type:algorithms', onlyDependOnLibsWithTags: [], bannedExternalImports: [...wireImports, '@opentelemetry/*'] },
  { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: ['type:util'] },
  { sourceTag: 'type:util', onlyDependOnLibsWithTags: ['type:util'] },
  { sourceTag: 'type:data', onlyDependOnLibsWithTags: ['type:util', 'type:algorithms', 'type:data', 'type:contracts'] },
  { sourceTag: 'type:grpc', onlyDependOnLibsWithTags: ['type:util', 'type:contracts'] },
  { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:util', 'type:contracts', 'type:grpc', 'type:data', 'type:pipeline'] },
];

/** The boundary rule with `constraints`. */
const boundaries = (constraints) => ['error', { enforceBuildableLibDependency: false, allow: [], depConstraints: constraints }];

export default [
  { ignores: ['**/dist/**', '**/node_modules/**', '**/gen/**', '**/*.js', '**/*.mjs', 'tmp/**', '.data/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@nx/enforce-module-boundaries': boundaries(depConstraints),
    },
  },
  // A library's tests may use the shared test support (@recsys/testing: fixtures, temporary directories); its sources may not.
  {
    files: ['libs/*/src/**/*.spec.ts', 'libs/*/test/**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': boundaries(
        depConstraints.map((c) => (c.onlyDependOnLibsWithTags.includes('type:testing') ? c : { ...c, onlyDependOnLibsWithTags: [...c.onlyDependOnLibsWithTags, 'type:testing'] })),
      ),
    },
  },
];
