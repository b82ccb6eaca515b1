import { describe, expect, test } from 'vitest';
import { explore, suite } from '@kmodsim/explore';
import { strategies } from '@kmodsim/refcount';

// Every correct strategy must pass every scenario of the suite within small bounds; the forced
// unload scenario must show its oops whatever the strategy.
describe.each(Object.values(strategies))('the suite against $name', (strategy) => {
  test.each(suite.map((entry) => [entry.name, entry] as const))('%s', (_name, entry) => {
    const report = explore({ scenario: entry.build(strategy), cpuCount: entry.cpuCount }, { preemptions: 1, irqs: 1, maxExecutions: 3000 });
    const first = report.violations[0];
    if (entry.expected === 'clean') {
      expect(first, `${first?.kind ?? ''}: ${first?.message ?? ''} (replay: ${first?.schedule ?? ''})`).toBeUndefined();
      expect(report.counts.executions).toBeGreaterThan(1);
    } else {
      expect(entry.expected).toContain(first?.kind);
    }
  }, 120_000);
});
