import { describe, expect, test } from 'vitest';
import { explore, replay, type ExploreReport, type ExploreTarget } from '@kmodsim/explore';
import { endings } from './differential.js';
import { counter, endlessKthreads, SLEEP_END, timerOrWake, waitForFlag } from './scenarios.js';

// The search by states (ExploreOptions.stateCaching, state-search.ts): every execution stops at a
// machine state an earlier one reached with no more budget spent. It must find what the
// unreduced search finds (reduction.test.ts and differential-sweep.test.ts compare the two on
// random programs too), run fewer executions where runs meet, replay what it reports, and hand
// over to partial-order reduction where a timer makes time matter.

const WHOLE = { iterative: false, stopAtFirstViolation: false } as const;

function searched(target: ExploreTarget, options: Parameters<typeof explore>[1]): ExploreReport {
  const report = explore(target, options);
  expect(report.counts.exhausted).toBe(true);
  return report;
}

describe('the search by states', () => {
  test('proves a locked counter of three rounds per task correct in fewer executions than the unreduced search, which meet in the same states', () => {
    const target = { scenario: counter(true, 3), cpuCount: 2 };
    const bounds = { preemptions: 2, irqs: 0, ...WHOLE };
    const full = searched(target, { ...bounds, reduction: false });
    const byStates = searched(target, { ...bounds, stateCaching: true });
    expect(byStates.violations).toEqual([]);
    expect(byStates.counts.distinctOutcomes).toBe(full.counts.distinctOutcomes);
    // Runs that take the lock in turn meet again: 744 executions against 1,032 when measured.
    expect(byStates.counts.executions).toBeLessThan(full.counts.executions * 0.8);
    expect(byStates.counts.pruned).toBeGreaterThan(0);
  });

  test('finds the lost update and the lost wake-up first with the fewest preemptions, with schedules that replay them', () => {
    for (const scenario of [counter(false), waitForFlag(false)]) {
      const target = { scenario, cpuCount: 2 };
      const violation = explore(target, { preemptions: 2, irqs: 0, stateCaching: true }).violations[0];
      const reference = explore(target, { preemptions: 2, irqs: 0 }).violations[0];
      if (violation === undefined || reference === undefined) return expect.fail(`${scenario.name}: no violation found`);
      expect(violation.message).toBe(reference.message);
      expect(violation.preemptions).toBe(reference.preemptions);
      const replayed = replay(target, violation.schedule);
      if (!replayed.ok) return expect.fail(replayed.message);
      expect(replayed.value.reproduced).toBe(true);
      expect(replayed.value.fault?.message).toBe(violation.message);
    }
  });

  test('where a schedule_timeout() timer decides the ending, it searches by partial-order reduction and still finds all three endings', () => {
    const target = { scenario: timerOrWake(3, 100), cpuCount: 3 };
    const byStates = searched(target, { preemptions: 2, irqs: 0, stateCaching: true, ...WHOLE });
    expect(endings(byStates)).toEqual(Object.values(SLEEP_END).map((end) => `invariant: ending ${end}`).sort());
  });

  test('reports the livelock of kthreads that go round their loops for ever, as the unreduced search does, though their states repeat', () => {
    const target = { scenario: endlessKthreads(), cpuCount: 2 };
    const bounds = { preemptions: 1, irqs: 0, maxSteps: 300, ...WHOLE };
    const full = explore(target, { ...bounds, reduction: false });
    const byStates = explore(target, { ...bounds, stateCaching: true });
    expect(full.violations.map((violation) => violation.kind)).toContain('livelock');
    expect(byStates.violations.map((violation) => violation.message)).toContain(`no end after ${bounds.maxSteps} steps`);
  });

  test('is not split into shards: asking for both is a programming error, said plainly', () => {
    expect(() => explore({ scenario: counter(true), cpuCount: 2 }, { stateCaching: true, shard: { index: 0, count: 2 } })).toThrow(/not split into shards/);
  });
});
