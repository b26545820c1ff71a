import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'bench/**/*.test.ts'],
    // a limit for a hung test, not a speed check (no test asserts on wall time): CI's machine runs
    // test files side by side on 2 cores with their child processes, where an 8 s test once took 60 s
    testTimeout: 180_000,
    hookTimeout: 180_000,
    pool: 'forks',
    reporters: ['default'],
  },
});
