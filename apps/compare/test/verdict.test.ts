import { describe, expect, test } from 'vitest';
import { findSuiteScenario, type ExploreReport } from '@kmodsim/explore';
import { formatVerdict, judge } from '../src/check/verdict.js';

function report(completed: number, cut: number): ExploreReport {
  return {
    scenario: 'wait-vs-last-put', cpuCount: 2, mode: 'exhaustive', bounds: { preemptions: 0, irqs: 0, steps: 20_000 },
    counts: { executions: completed + cut, completed, pruned: 0, cut, distinctOutcomes: completed > 0 ? 1 : 0, exhausted: true },
    violations: [],
  };
}

describe('a verdict line', () => {
  const scenario = findSuiteScenario('wait-vs-last-put');
  if (scenario === undefined) throw new Error('the suite lost wait-vs-last-put');

  test('a clean search in which every execution was cut by a bound says that nothing ran to its end, and what to raise', () => {
    const line = formatVerdict(judge('mine', scenario, report(0, 34), () => ''));
    expect(line).toMatch(/^mine\s+wait-vs-last-put\s+CLEAN\s+34\s+exhausted/);
    expect(line).toContain('no execution ran to its end (every one was cut by a bound): raise --preemptions or --irqs');
  });

  test('a clean search with executions that ended makes no such remark', () => {
    const line = formatVerdict(judge('mine', scenario, report(3, 31), () => ''));
    expect(line).not.toContain('no execution ran to its end');
  });
});
