// Tests import sibling packages from their TypeScript sources (the "@kmodsim/source" export
// condition), so a test run never depends on a stale build.
import { defineConfig } from 'vitest/config';

export const kmodsimVitestConfig = defineConfig({
  resolve: { conditions: ['@kmodsim/source'] },
  ssr: { resolve: { conditions: ['@kmodsim/source'] } },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
  },
});
