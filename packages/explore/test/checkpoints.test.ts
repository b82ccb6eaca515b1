import { describe, expect, test } from 'vitest';
import { explore, type ExploreReport } from '@kmodsim/explore';
import { keptValue, load, store, type Machine, type Scenario } from '@kmodsim/cpu';
import { counter, handshake, localCounter, spinUntilTimer, timerOrWake, waitForFlag } from './scenarios.js';

// Each execution of a search starts from a checkpoint taken after the scenario's setup (the same
// machine rewound) instead of a fresh boot. That must change nothing a user sees: the same
// executions, the same violations with the same schedules. A strategy or scenario that keeps
// state the machine was not given is caught and named, never judged wrongly.

function summary(report: ExploreReport): unknown {
  return { counts: report.counts, violations: report.violations };
}

describe('a search from the checkpoint finds what a search booting every execution finds', () => {
  const cases: readonly [string, Scenario, number, number][] = [
    ['unlocked counter', counter(false, 2), 2, 2],
    ['locked counter', counter(true, 2), 2, 2],
    ['lost wake-up', waitForFlag(false), 2, 2],
    ['Linux-order wait', waitForFlag(true), 2, 2],
    ['plain local_t under interrupts', localCounter('plain'), 1, 1],
    ['handshake', handshake(), 2, 2],
    ['spin until a timer', spinUntilTimer(false), 1, 2],
    ['timer or wake', timerOrWake(2, 5000), 2, 3],
  ];
  test.each(cases)('%s', (_name, scenario, preemptions, cpuCount) => {
    const options = { preemptions, irqs: 1, iterative: false, stopAtFirstViolation: false };
    const fresh = explore({ scenario, cpuCount }, { ...options, checkpoints: false });
    const fromCheckpoint = explore({ scenario, cpuCount }, options);
    expect(fresh.counts.executions).toBeGreaterThan(2);
    expect(summary(fromCheckpoint)).toEqual(summary(fresh));
  });
});

/** Task a's first step depends on a host flag its own code sets: state the machine was not given. */
function hostFlag(kept: boolean): Scenario {
  return {
    name: kept ? 'kept-flag' : 'host-flag',
    description: 'a task whose first step depends on a host variable its code changes',
    setup(machine: Machine) {
      const mine = machine.alloc('mine', 1).base;
      const shared = machine.alloc('shared', 1).base;
      const flag = kept ? keptValue(machine, 'a ran', false) : { value: false };
      machine.spawn({ name: 'a', cpu: 0, bound: true, body: function* () {
        yield flag.value ? load(mine) : store(mine, 1);
        flag.value = true;
        yield load(shared);
        yield store(shared, 1);
      } });
      machine.spawn({ name: 'b', cpu: 1, bound: true, body: function* () { yield store(shared, 2); } });
      return undefined;
    },
  };
}

/** A final check that counts runs in a host variable: only the first run of a setup passes. */
function hostCount(kept: boolean): Scenario {
  return {
    name: kept ? 'kept-count' : 'host-count',
    description: 'a check that depends on a host counter the task increments',
    setup(machine: Machine) {
      const cell = machine.alloc('cell', 1).base;
      const runs = kept ? keptValue(machine, 'runs', 0) : { value: 0 };
      machine.spawn({ name: 'a', cpu: 0, body: function* () {
        runs.value++;
        yield store(cell, 1);
      } });
      machine.spawn({ name: 'b', cpu: 1, body: function* () { yield load(cell); } });
      return () => (runs.value === 1 ? undefined : `the task ran ${runs.value} times`);
    },
  };
}

describe('state the machine was not given is caught, named, and searched without the checkpoint', () => {
  const options = { preemptions: 1, irqs: 0, iterative: false, stopAtFirstViolation: false };

  test('a task whose steps depend on it: the report says why every execution booted afresh, and the verdict is a fresh search\'s', () => {
    const report = explore({ scenario: hostFlag(false), cpuCount: 2 }, options);
    expect(report.bootedAfresh?.reason).toBe('diverged');
    expect(report.bootedAfresh?.why).toMatch(/^a run started from the checkpoint taken after setup went differently from one booted afresh.*keepHostState/);
    expect(summary(report)).toEqual(summary(explore({ scenario: hostFlag(false), cpuCount: 2 }, { ...options, checkpoints: false })));
  });

  test('a final check that depends on it: the violation it would have seen from the checkpoint is not reported', () => {
    const report = explore({ scenario: hostCount(false), cpuCount: 2 }, options);
    expect(report.bootedAfresh?.why).toMatch(/booted afresh: no violation/);
    expect(report.violations).toEqual([]);
  });

  test('a check that reads a plain array its tasks fill: violations that only a fresh boot shows are still found, exhaustively and by sampling', () => {
    const tornRead = (): Scenario => ({
      name: 'plain-log',
      description: 'a reader logs what it saw into a plain array; the check looks at the first entry',
      setup(machine: Machine) {
        const x = machine.alloc('x', 2).base;
        const seen: number[] = [];
        machine.spawn({ name: 'a', cpu: 0, bound: true, body: function* () { yield store(x, 1); yield store(x + 1, 1); } });
        machine.spawn({ name: 'b', cpu: 1, bound: true, body: function* () {
          const later: number = yield load(x + 1);
          const earlier: number = yield load(x);
          seen.push(later * 10 + earlier);
        } });
        return () => (seen[0] === 1 ? 'b saw the earlier store but not the later one' : undefined);
      },
    });
    for (const search of [{ preemptions: 2 }, { mode: 'random', executions: 200 }, { mode: 'pct', executions: 200 }] as const) {
      const options = { ...search, irqs: 0, iterative: false, stopAtFirstViolation: false };
      const fresh = explore({ scenario: tornRead(), cpuCount: 2 }, { ...options, checkpoints: false });
      const fromCheckpoint = explore({ scenario: tornRead(), cpuCount: 2 }, options);
      expect(fresh.violations.length).toBeGreaterThan(0);
      expect(summary(fromCheckpoint)).toEqual(summary(fresh));
      expect(fromCheckpoint.bootedAfresh?.reason).toBe('diverged');
    }
  });

  test('a scenario that is not deterministic at all is still an error, not a fallback', () => {
    let boots = 0;
    const scenario: Scenario = {
      name: 'setup-counter',
      description: 'a setup that builds another program each time it runs',
      setup(machine: Machine) {
        const cell = machine.alloc('cell', 2).base;
        const first = boots++ % 2 === 0;
        machine.spawn({ name: 'a', cpu: 0, bound: true, body: function* () { yield first ? store(cell, 1) : load(cell); yield load(cell + 1); yield store(cell + 1, 1); } });
        machine.spawn({ name: 'b', cpu: 1, bound: true, body: function* () { yield store(cell + 1, 2); } });
        return undefined;
      },
    };
    expect(() => explore({ scenario, cpuCount: 2 }, options)).toThrow(/the run is not deterministic/);
  });

  test('a search with checkpoints says so only when they were off or refused', () => {
    expect(explore({ scenario: counter(false), cpuCount: 2 }, options).bootedAfresh).toBeUndefined();
    expect(explore({ scenario: counter(false), cpuCount: 2 }, { ...options, checkpoints: false }).bootedAfresh).toEqual({ reason: 'off', why: 'checkpoints are off' });
  });

  test('the same state handed to the machine (keptValue) is put back by the checkpoint: clean, as when booting afresh', () => {
    for (const scenario of [hostFlag(true), hostCount(true)]) {
      const fresh = explore({ scenario, cpuCount: 2 }, { ...options, checkpoints: false });
      const fromCheckpoint = explore({ scenario, cpuCount: 2 }, options);
      expect(fresh.counts.executions).toBeGreaterThan(1);
      expect(summary(fromCheckpoint)).toEqual(summary(fresh));
      expect(fromCheckpoint.violations).toEqual([]);
    }
  });
});
