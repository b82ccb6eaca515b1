import { kmodsimVitestConfig } from '@kmodsim/vitest-config';
import { defineConfig, mergeConfig } from 'vitest/config';

// A mutant's modules sit in a sandbox under packages/refcount/node_modules: vitest would hand
// them to Node, which cannot load the TypeScript sources the test's own imports resolve to, so
// they go through vitest's transform like the rest.
export default mergeConfig(kmodsimVitestConfig, defineConfig({ test: { server: { deps: { inline: [/\.kmodsim-mutate/] } } } }));
