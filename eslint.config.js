import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'web/dist/**', '.scratch/**', '.xp-*', 'autolab-demo/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    // DuckDB's API is required once, in src/lake/duckdb.ts: importing the CommonJS package from an
    // ES module makes Node parse every file it re-exports first (~0.1 s at each command's start)
    files: ['src/**/*.ts'],
    ignores: ['src/lake/duckdb.ts', 'src/**/*.test.ts', 'src/**/*.testutil.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { paths: [{ name: '@duckdb/node-api', message: "take DuckDB's values from src/lake (duckdb.ts requires the package once); `import type` is fine", allowTypeImports: true }] },
      ],
    },
  },
  {
    files: ['bin/**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
);
