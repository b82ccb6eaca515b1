// Tests import sibling packages from their TypeScript sources (the "@kmodsim/source" export
// condition), so a test run never depends on a stale build.
import { defineConfig } from 'vitest/config';

// `pnpm test` runs two packages at once (turbo --concurrency=2, for a two-core machine), and each
// package's vitest runs its files on up to two forked workers: when one package is left, it still
// has both cores. Each test is kept well under 20 s on its own; a machine running something else
// as well may take several times that, so the timeout only catches a test that hangs. It is no
// measure of speed, and no test asserts one (benchmarks report speed, see tooling/bench).
const HANG_MS = 10 * 60_000;

export const kmodsimVitestConfig = defineConfig({
  resolve: { conditions: ['@kmodsim/source'] },
  ssr: { resolve: { conditions: ['@kmodsim/source'] } },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: HANG_MS,
    hookTimeout: HANG_MS,
    // Name the tests that take longer than this in the report, so a slow one is seen before it
    // becomes the suite's long pole.
    slowTestThreshold: 5_000,
  },
});
