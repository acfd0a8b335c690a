// ESLint (flat config): typescript-eslint's recommended rules on the TypeScript sources and
// tests, without type information so linting stays fast, and ESLint's recommended rules on
// the plain JavaScript scripts. Layout is Prettier's job (.prettierrc.json), not ESLint's.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'build/', 'build-*/', 'node_modules/', 'test/fuzz/corpus/'] },
  {
    files: ['src/**/*.ts', 'test/**/*.ts'],
    extends: [js.configs.recommended, ...tseslint.configs.recommended],
    rules: {
      // Parameters named with a leading underscore are deliberately unused (interface shapes).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Messages escape control characters and tests look for terminal escapes: such
      // patterns are meant, not slips.
      'no-control-regex': 'off',
    },
  },
  {
    // These tests call the addon with deliberately ill-typed arguments.
    files: ['test/model/network-errors.child.ts', 'test/model/network-zoo-errors.child.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['scripts/**/*.js', 'bin/cnn'],
    extends: [js.configs.recommended],
    languageOptions: { sourceType: 'commonjs', globals: globals.node },
    rules: {
      'no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['eslint.config.mjs'],
    extends: [js.configs.recommended],
    languageOptions: { sourceType: 'module', globals: globals.node },
  },
);
