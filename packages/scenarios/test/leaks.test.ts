import { describe, expect, test } from 'vitest';
import { explore } from '@kmodsim/explore';
import { globalSpinlock, type RefcountStrategy } from '@kmodsim/refcount';
import { findSuiteScenario } from '../src/index.js';

// An unload must free everything the module and its strategy allocated: a strategy whose
// release() forgets its memory is caught as a leak, as kmemleak would report it.

function forgetsItsMemory(strategy: RefcountStrategy): RefcountStrategy {
  return {
    ...strategy,
    name: 'forgets-its-memory',
    attach: (environment) => {
      const runtime = strategy.attach(environment);
      return {
        *createModule(self, cells) {
          const inner = yield* runtime.createModule(self, cells);
          return Object.assign(Object.create(inner) as typeof inner, { *release() { /* frees nothing */ } });
        },
      };
    },
  };
}

describe('a leak after unload', () => {
  test('a strategy whose release() frees nothing is caught, naming what is still allocated', () => {
    const scenario = findSuiteScenario('unload-vs-get');
    if (scenario === undefined) expect.fail('no unload-vs-get');
    const report = explore({ scenario: scenario.build(forgetsItsMemory(globalSpinlock)), cpuCount: scenario.cpuCount }, scenario.bounds);
    expect(report.violations[0]?.message).toMatch(/demo_chardev was unloaded but its demo_chardev\.refcount is still allocated \(a leak\)/);
  });

  test('the same strategy with its release() intact is clean', () => {
    const scenario = findSuiteScenario('unload-vs-get');
    if (scenario === undefined) expect.fail('no unload-vs-get');
    const report = explore({ scenario: scenario.build(globalSpinlock), cpuCount: scenario.cpuCount }, scenario.bounds);
    expect(report.violations).toEqual([]);
  });
});
