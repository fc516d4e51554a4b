// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', 'out/**', 'coverage/**', 'models/*/train/**/*.py'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      // The core must stay pure: no channel, store, queue, inference or driver imports.
      'no-restricted-imports': 'off',
    },
  },
  {
    files: ['src/linker/**/*.ts', 'src/transforms/**/*.ts', 'src/model/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['**/channels/**', '**/store/**', '**/queue/**', '**/inference/**', '**/cli/**', '**/server/**'], message: 'The core (linker, transforms, model) must not import adapters or drivers.' },
          { group: ['node:fs', 'node:fs/*', 'node:net', 'node:http', 'node:https', 'node:child_process', 'fs', 'net', 'http'], message: 'The core never touches the file system or the network; take bytes and return values.' },
        ],
      }],
      'no-restricted-globals': ['error',
        { name: 'fetch', message: 'No network in the core.' },
      ],
      'no-restricted-properties': ['error',
        { object: 'Math', property: 'random', message: 'Inject an Rng instead.' },
        { object: 'Date', property: 'now', message: 'Inject a Clock instead.' },
      ],
    },
  },
  {
    // Tests beside core code read fixtures from disk; the purity rule is about production code.
    files: ['**/*.test.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    files: ['**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { ...tseslint.configs.disableTypeChecked.languageOptions, globals: { process: 'readonly' } },
  },
);
