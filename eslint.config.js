// Lint is part of `npm test`: typescript-eslint's recommended set, and the layer boundaries of
// docs/architecture.md as import rules (each layer imports only downward).
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const layer = (files, forbidden, why) => ({
  files,
  rules: { 'no-restricted-imports': ['error', { patterns: [{ group: forbidden, message: why }] }] },
});

export default tseslint.config(
  { ignores: ['node_modules/', 'bench/results/', 'coverage/', 'src/generated/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  // Type-aware checks on src/ only: a promise nobody awaits or catches is a crash or a lost error
  // in a server (an unhandled rejection ends the process). Tests and bench are left out to keep
  // lint fast; they run under node:test, which reports their rejections anyway.
  {
    files: ['src/**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      // A function that needs more than a screen holds more than one job (docs/architecture.md).
      'max-lines-per-function': ['error', { max: 80, skipBlankLines: true, skipComments: true }],
    },
  },
  // Line length, not a formatter: the tree is written by hand at up to ~160 columns, and running
  // prettier/dprint over it would rewrite most files under five parallel branches. max-len caps
  // the outliers and leaves strings, template literals, regexes and URLs alone (breaking a message
  // or a pattern to fit hurts more than it helps). ESLint core keeps max-len until v11; its
  // successor is @stylistic/max-len with the same options (docs/architecture.md "Code style").
  {
    rules: {
      'max-len': ['error', { code: 160, ignoreUrls: true, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreRegExpLiterals: true }],
    },
  },
  // node:http and node:https come from src/node-http.ts (process.getBuiltinModule): an ESM import
  // of node:http loads Node's bundled undici, ~14 MB of RSS. Types may be imported.
  {
    files: ['src/**/*.ts'],
    ignores: ['src/node-http.ts', 'src/emulator/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        paths: ['node:http', 'node:https', 'http', 'https'].map((name) => ({ name, allowTypeImports: true, message: 'take it from src/node-http.ts: an ESM import of node:http costs ~14 MB of RSS' })),
      }],
    },
  },
  layer(['src/translate/**'], ['../http/*', '../sdrs/*', '../observability/*', '../server.ts', '../cli/*', '../emulator/*', '../auth/*'], 'src/translate/ is pure mapping: it imports only src/errors.ts and itself (docs/architecture.md).'),
  layer(['src/sdrs/**'], ['../http/*', '../translate/*', '../server.ts', '../cli/*', '../emulator/*'], 'src/sdrs/ is the SDRS transport: no HTTP layer, no translation (docs/architecture.md).'),
  layer(['src/errors.ts', 'src/json.ts', 'src/transport.ts'], ['./*', '../*'], 'leaf modules import nothing of the gateway.'),
  layer(['src/emulator/**'], ['../*', '../../src/*'], 'the emulator imports nothing from the gateway: the two must not share beliefs about SDRS.'),
  layer(['src/auth/**'], ['../http/*', '../sdrs/*', '../server.ts', '../observability/*', '../emulator/*'], 'src/auth/ is signing and verification only.'),
);
