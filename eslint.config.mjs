// Lint that keeps the seams: type-aware promise rules, type-only imports, and the layers' import rules.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** Workflow code runs in Temporal's sandbox: only the workflow SDK, the contracts and types may enter it. */
const workflowImports = {
  '@typescript-eslint/no-restricted-imports': [
    'error',
    {
      patterns: [
        {
          regex: '^(?!@temporalio/workflow$|\\.\\./shared/|\\./)',
          allowTypeImports: true,
          message:
            'workflow code may import only @temporalio/workflow, src/shared and other workflow files (types are fine)',
        },
      ],
    },
  ],
};

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'data/', 'bin/', 'test/histories/**/*.json'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      globals: globals.node,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        // node:test's describe/it return promises that the runner itself awaits.
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite'] },
          ],
        },
      ],
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
    },
  },
  {
    // Tests read loosely typed JSON answers; Kysely migrations take `Kysely<any>` by design.
    files: ['test/**/*.ts', 'bench/**/*.ts', 'src/db/migrations/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  { files: ['src/workflows/**/*.ts'], rules: workflowImports },
  {
    files: ['src/shared/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [{ regex: '^\\.\\./', message: 'src/shared is the bottom layer: it imports no other part of src' }],
        },
      ],
    },
  },
  {
    files: ['src/services/**/*.ts', 'src/db/**/*.ts', 'src/storage/**/*.ts', 'src/activities/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '(^|/)(api|cli|worker)(/|$)',
              message: 'arrows point down: this layer may not import the API, the CLI or the worker',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/api/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '(^|/)(cli|worker)(/|$)', message: 'the API process does not import the CLI or the worker' },
          ],
        },
      ],
    },
  },
);
