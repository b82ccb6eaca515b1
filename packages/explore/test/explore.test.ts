import { describe, expect, test } from 'vitest';
import { describeViolation, explore, mergeReports, replay, type ExploreReport } from '@kmodsim/explore';
import { counter, handshake, privateThenShared, privateWaits, wakeOnOwnCpu, daemonAfterFree, localCounter, spinBehindQueued, spinForever, spinUnderInterrupts, spinUntilTimer, boundedPoll, testAndSetSpin, timerOrWake, SLEEP_END, waitForFlag, yieldLoop } from './scenarios.js';
import { cpuRelax, load, preemptDisable, preemptEnable, store, type Machine } from '@kmodsim/cpu';

describe('exhaustive search', () => {
  test('finds the lost update of an unlocked counter, with a schedule that replays it', () => {
    const target = { scenario: counter(false), cpuCount: 2 };
    const report = explore(target, { preemptions: 2, irqs: 0 });
    const violation = report.violations[0];
    if (violation === undefined) expect.fail('no violation found');
    expect(violation.kind).toBe('invariant');
    expect(violation.message).toBe('lost update: counter is 1, expected 2');
    expect(violation.preemptions).toBe(1);
    const replayed = replay(target, violation.schedule);
    if (!replayed.ok) expect.fail(replayed.message);
    expect(replayed.value.reproduced).toBe(true);
    expect(replayed.value.fault?.message).toBe('lost update: counter is 1, expected 2');
    const described = describeViolation(target, violation);
    expect(described.columns).toMatch(/CPU 0\s+\| CPU 1/);
    expect(described.columns).toMatch(/inc0: load counter -> 0/);
    expect(described.columns).toMatch(/inc1: load counter -> 0/);
  });

  test('proves the locked counter correct within the bound, spin loops included', () => {
    const report = explore({ scenario: counter(true), cpuCount: 2 }, { preemptions: 2, irqs: 0, iterative: false });
    expect(report.violations).toEqual([]);
    expect(report.counts.exhausted).toBe(true);
    expect(report.counts.executions).toBeGreaterThan(1);
  });

  test('partial-order reduction explores fewer executions and finds the same outcomes', () => {
    for (const target of [{ scenario: counter(false, 2), cpuCount: 2 }, { scenario: privateThenShared(4), cpuCount: 2 }]) {
      const reduced = explore(target, { preemptions: 3, irqs: 0, iterative: false, stopAtFirstViolation: false });
      const full = explore(target, { preemptions: 3, irqs: 0, iterative: false, stopAtFirstViolation: false, reduction: false });
      expect(full.counts.exhausted && reduced.counts.exhausted).toBe(true);
      expect(reduced.counts.executions).toBeLessThanOrEqual(full.counts.executions);
      expect(reduced.counts.distinctOutcomes).toBe(full.counts.distinctOutcomes);
      const messages = (report: typeof full): string[] => [...new Set(report.violations.map((violation) => violation.message))].sort();
      expect(messages(reduced)).toEqual(messages(full));
    }
    const target = { scenario: privateThenShared(4), cpuCount: 2 };
    const reduced = explore(target, { preemptions: 3, irqs: 0, iterative: false, stopAtFirstViolation: false });
    const full = explore(target, { preemptions: 3, irqs: 0, iterative: false, stopAtFirstViolation: false, reduction: false });
    expect(reduced.counts.executions).toBeLessThan(full.counts.executions);
  });

  test('tasks setting only their own state commute: two such tasks on two CPUs are one execution', () => {
    const target = { scenario: privateWaits(3), cpuCount: 2 };
    const options = { preemptions: 2, irqs: 0, iterative: false, stopAtFirstViolation: false } as const;
    const reduced = explore(target, options);
    const full = explore(target, { ...options, reduction: false });
    expect(reduced.counts.exhausted && full.counts.exhausted).toBe(true);
    expect(reduced.counts.executions).toBe(1);
    expect(full.counts.executions).toBeGreaterThan(10);
  });

  test('a wake that queues its task on the waker\'s own CPU commutes with another CPU\'s steps', () => {
    const target = { scenario: wakeOnOwnCpu(3), cpuCount: 2 };
    const options = { preemptions: 0, irqs: 0, iterative: false, stopAtFirstViolation: false, countTraces: true } as const;
    const reduced = explore(target, options);
    const full = explore(target, { ...options, reduction: false });
    // Every order of the two CPUs' steps is one trace, explored once.
    expect(full.counts.executions).toBeGreaterThan(1);
    expect(full.counts.distinctTraces).toBe(1);
    expect(reduced.counts.executions).toBe(1);
  });

  test('a step a kernel thread still had pending when the last task exited is explored before that exit', () => {
    const target = { scenario: daemonAfterFree(), cpuCount: 2 };
    const options = { preemptions: 1, irqs: 0, iterative: false, stopAtFirstViolation: false } as const;
    const full = explore(target, { ...options, reduction: false });
    const reduced = explore(target, options);
    expect(full.violations[0]?.kind).toBe('use-after-free');
    expect(reduced.violations[0]?.kind).toBe('use-after-free');
  });

  test('a timer fired by another CPU\'s step races a wake of its task: the reduced search finds all three endings', () => {
    // The check reports each ending as a violation, so the searches list the endings they reached.
    const target = { scenario: timerOrWake(3, 100), cpuCount: 3 };
    const options = { preemptions: 2, irqs: 0, iterative: false, stopAtFirstViolation: false } as const;
    const endings = (report: ReturnType<typeof explore>) => [...new Set(report.violations.map((violation) => violation.message))].sort();
    const all = Object.values(SLEEP_END).map((end) => `ending ${end}`).sort();
    const reduced = explore(target, options);
    expect(endings(explore(target, { ...options, reduction: false }))).toEqual(all);
    expect(endings(reduced)).toEqual(all);
    expect(reduced.counts.exhausted).toBe(true);
  });

  test('counts the distinct traces: two unlocked increments have four orders of their dependent steps', () => {
    // Loads commute; each store is ordered against the other task's load and store:
    // L0 S0 L1 S1, L1 S1 L0 S0, and both loads first with either store first.
    const target = { scenario: counter(false), cpuCount: 2 };
    const options = { preemptions: 2, irqs: 0, iterative: false, stopAtFirstViolation: false, countTraces: true } as const;
    const full = explore(target, { ...options, reduction: false });
    const reduced = explore(target, options);
    expect(full.counts.distinctTraces).toBe(4);
    expect(reduced.counts.distinctTraces).toBe(4);
    expect(explore({ scenario: privateWaits(3), cpuCount: 2 }, { ...options, reduction: false }).counts.distinctTraces).toBe(1);
    expect(explore(target, { ...options, countTraces: false }).counts.distinctTraces).toBeUndefined();
  });

  test('finds the lost wakeup of testing before setting the state, and none in Linux\'s order', () => {
    const bad = explore({ scenario: waitForFlag(false), cpuCount: 2 }, { preemptions: 2, irqs: 0 });
    expect(bad.violations[0]?.kind).toBe('sleeps-forever');
    const good = explore({ scenario: waitForFlag(true), cpuCount: 2 }, { preemptions: 3, irqs: 0, iterative: false });
    expect(good.violations).toEqual([]);
    expect(good.counts.exhausted).toBe(true);
  });

  test('an interrupt between load and store loses a plain update; a single local add never loses one', () => {
    const plain = explore({ scenario: localCounter('plain'), cpuCount: 1 }, { preemptions: 0, irqs: 1 });
    expect(plain.violations[0]?.message).toBe('lost update: count is 1 after 2 increments');
    expect(plain.violations[0]?.irqs).toBe(1);
    const local = explore({ scenario: localCounter('local'), cpuCount: 1 }, { preemptions: 0, irqs: 1, stopAtFirstViolation: false });
    expect(local.violations).toEqual([]);
    expect(local.counts.exhausted).toBe(true);
    const noIrq = explore({ scenario: localCounter('plain'), cpuCount: 1 }, { preemptions: 0, irqs: 0 });
    expect(noIrq.violations).toEqual([]);
  });

  test('a CPU spinning on memory no one will write is reported as a livelock, not run forever', () => {
    const report = explore({ scenario: spinForever(), cpuCount: 2 }, { preemptions: 1, irqs: 0 });
    expect(report.violations[0]?.kind).toBe('livelock');
  });

  test('a spin no interrupt handler can end is a livelock even when interrupts are left out by their bound', () => {
    for (const irqs of [0, 1]) {
      const report = explore({ scenario: spinUnderInterrupts(false), cpuCount: 2 }, { preemptions: 1, irqs, iterative: false });
      expect(report.violations[0]?.kind, `interrupt bound ${irqs}`).toBe('livelock');
      expect(report.violations[0]?.message).toContain('neither another CPU nor an interrupt handler');
    }
    // The handler that sets the flag ends the spin: the bound cuts the run at 0 interrupts, and with one the run completes.
    const cut = explore({ scenario: spinUnderInterrupts(true), cpuCount: 2 }, { preemptions: 1, irqs: 0, iterative: false, stopAtFirstViolation: false });
    expect(cut.violations).toEqual([]);
    expect(cut.counts.cut).toBeGreaterThan(0);
    const allowed = explore({ scenario: spinUnderInterrupts(true), cpuCount: 2 }, { preemptions: 1, irqs: 1, iterative: false, stopAtFirstViolation: false });
    expect(allowed.violations).toEqual([]);
    expect(allowed.counts.completed).toBeGreaterThan(0);
  });

  test('a livelock\'s schedule replays as a livelock: the run still goes on long after the schedule ends', () => {
    const target = { scenario: spinUnderInterrupts(false), cpuCount: 2 };
    const violation = explore(target, { preemptions: 1, irqs: 0 }).violations[0];
    const replayed = violation === undefined ? undefined : replay(target, violation.schedule);
    expect(replayed?.ok === true && replayed.value.reproduced).toBe(true);
    expect(replayed?.ok === true ? replayed.value.fault?.kind : undefined).toBe('livelock');
    // The same schedule on a machine whose handler sets the flag ends under round-robin: only cut short, no livelock.
    const ends = replay({ scenario: spinUnderInterrupts(true), cpuCount: 2 }, violation?.schedule ?? '');
    expect(ends.ok ? ends.value.fault?.kind : undefined).toBe('replay-diverged');
  });

  test('an xchg that finds the lock still held only reads it: a test-and-set spin waits like a load spin', () => {
    // Held forever: a livelock found at once, not a run to the step bound.
    const held = explore({ scenario: testAndSetSpin(false), cpuCount: 2 }, { preemptions: 0, irqs: 0, iterative: false, maxSteps: 500 });
    expect(held.violations[0]?.kind).toBe('livelock');
    expect(held.violations[0]?.message).toBe('every CPU that could run spins on memory no one will write: CPU 0 (taker) on lock');
    // Released: switching away from the spinner is free, so no bound is needed for the holder to run.
    for (const preemptions of [0, 1, 2]) {
      const released = explore({ scenario: testAndSetSpin(true), cpuCount: 2 }, { preemptions, irqs: 0, iterative: false, stopAtFirstViolation: false, maxSteps: 500 });
      expect(released.violations, `preemption bound ${preemptions}`).toEqual([]);
      expect(released.counts.exhausted).toBe(true);
      expect(released.counts.cut).toBe(0);
    }
  });

  test('time passes while every CPU spins: a flag set after a timed sleep ends the spin, and what follows is searched', () => {
    for (const preemptions of [0, 1, 2]) {
      const clean = explore({ scenario: spinUntilTimer(false), cpuCount: 2 }, { preemptions, irqs: 0, iterative: false, stopAtFirstViolation: false });
      expect(clean.violations, `preemption bound ${preemptions}`).toEqual([]);
      expect(clean.counts.completed).toBe(clean.counts.executions);
    }
    const target = { scenario: spinUntilTimer(true), cpuCount: 2 };
    const found = explore(target, { preemptions: 0, irqs: 0 }).violations[0];
    expect(found?.kind).toBe('use-after-free');
    // The schedule says where time passed (`t`), and replays the fault.
    expect(found?.schedule).toMatch(/,t,/);
    const replayed = replay(target, found?.schedule ?? '');
    expect(replayed.ok && replayed.value.reproduced ? replayed.value.fault?.kind : undefined).toBe('use-after-free');
  });

  test('a poll that gives up after some rounds is no livelock: the spin is stepped on before one is reported', () => {
    const report = explore({ scenario: boundedPoll(200), cpuCount: 1 }, { preemptions: 0, irqs: 0, iterative: false, stopAtFirstViolation: false });
    expect(report.violations).toEqual([]);
    expect(report.counts.cut).toBeGreaterThan(0);
    // A spin that never gives up is still one.
    expect(explore({ scenario: spinForever(), cpuCount: 2 }, { preemptions: 1, irqs: 0 }).violations[0]?.kind).toBe('livelock');
  });

  test('a livelock names the tasks queued behind a spinner on its CPU: the one it waits for may be among them', () => {
    const scenario = {
      name: 'spin-with-preemption-off',
      description: 'a task spins with preemption off for a flag that a task queued on the same CPU would set',
      setup(machine: Machine) {
        const flag = machine.alloc('flag', 1).base;
        machine.spawn({ name: 'spinner', cpu: 0, bound: true, body: function* () {
          yield preemptDisable();
          while ((yield load(flag)) === 0) yield cpuRelax();
          yield preemptEnable();
        } });
        machine.spawn({ name: 'setter', cpu: 0, bound: true, body: function* () { yield store(flag, 1); } });
        return undefined;
      },
    };
    const found = explore({ scenario, cpuCount: 1 }, { preemptions: 1, irqs: 0 }).violations[0];
    expect(found?.kind).toBe('livelock');
    expect(found?.message).toBe('every CPU that could run spins on memory no one will write: CPU 0 (spinner) on flag, with setter queued behind it');
  });

  test('kernel code that keeps state outside simulated memory is caught: the search says the run is not deterministic', () => {
    let executions = 0;
    const scenario = {
      name: 'host-counter',
      description: 'a task whose code depends on a host variable that changes between executions',
      setup(machine: Machine) {
        const mine = machine.alloc('mine', 1).base;
        const shared = machine.alloc('shared', 1).base;
        const first = executions++ % 2 === 0;
        // The first step differs from one boot to the next; the race on `shared` comes after it, so the next execution replays it.
        machine.spawn({ name: 'a', cpu: 0, bound: true, body: function* () { yield (first ? store(mine, 1) : load(mine)); yield load(shared); yield store(shared, 1); } });
        machine.spawn({ name: 'b', cpu: 1, bound: true, body: function* () { yield store(shared, 2); } });
        return undefined;
      },
    };
    expect(() => explore({ scenario, cpuCount: 2 }, { preemptions: 1, irqs: 0, iterative: false })).toThrow(/the run is not deterministic \(does the strategy or the scenario keep state outside simulated memory/);
  });

  test('a flag written between a spinner\'s read and its cpu_relax() is no livelock: the next round sees it', () => {
    for (const preemptions of [0, 1, 2, 3]) {
      const report = explore({ scenario: handshake(), cpuCount: 2 }, { preemptions, irqs: 0, iterative: false, stopAtFirstViolation: false });
      expect(report.violations, `preemption bound ${preemptions}`).toEqual([]);
      expect(report.counts.exhausted).toBe(true);
    }
  });

  test('a yield loop waits like a spin loop: no livelock, and no run to the step bound', () => {
    const report = explore({ scenario: yieldLoop(), cpuCount: 2 }, { preemptions: 0, irqs: 0, iterative: false, stopAtFirstViolation: false, maxSteps: 500 });
    expect(report.violations).toEqual([]);
    expect(report.counts.exhausted).toBe(true);
  });

  test('a spinner that needs a preemption the bound forbids is cut by the bound, not a livelock', () => {
    const bounded = explore({ scenario: spinBehindQueued(), cpuCount: 1 }, { preemptions: 0, irqs: 0, iterative: false, stopAtFirstViolation: false });
    expect(bounded.violations).toEqual([]);
    expect(bounded.counts.cut).toBeGreaterThan(0);
    const allowed = explore({ scenario: spinBehindQueued(), cpuCount: 1 }, { preemptions: 1, irqs: 0, iterative: false, stopAtFirstViolation: false });
    expect(allowed.violations).toEqual([]);
    expect(allowed.counts.completed).toBeGreaterThan(0);
  });

  test('shards split the search: each runs less than the whole, and together they find what it finds', () => {
    const target = { scenario: counter(false, 2), cpuCount: 2 };
    for (const reduction of [true, false]) {
      const options = { preemptions: 2, irqs: 0, iterative: false, stopAtFirstViolation: false, reduction } as const;
      const whole = explore(target, options);
      const shards = [0, 1, 2].map((index) => explore(target, { ...options, shard: { index, count: 3 } }));
      for (const shard of shards) expect(shard.counts.executions, `reduction ${reduction}`).toBeLessThan(whole.counts.executions);
      const merged = mergeReports(shards);
      expect(merged.counts.exhausted).toBe(true);
      const endings = (report: ExploreReport) => [...new Set(report.violations.map((violation) => violation.message))].sort();
      expect(endings(merged), `reduction ${reduction}`).toEqual(endings(whole));
      expect(whole.violations.length).toBeGreaterThan(0);
    }
  });
});

describe('sampling search', () => {
  test('random and PCT find the lost update, reproducibly from their seed', () => {
    for (const mode of ['random', 'pct'] as const) {
      const target = { scenario: counter(false), cpuCount: 2 };
      const first = explore(target, { mode, seed: 3, executions: 200, preemptions: 4, irqs: 0 });
      const again = explore(target, { mode, seed: 3, executions: 200, preemptions: 4, irqs: 0 });
      expect(first.violations[0]?.kind, mode).toBe('invariant');
      expect(again.violations[0]?.schedule).toBe(first.violations[0]?.schedule);
      expect(again.counts.executions).toBe(first.counts.executions);
    }
  });
});

describe('replay', () => {
  test('a schedule that no longer fits the scenario is reported as a divergence', () => {
    const target = { scenario: counter(false), cpuCount: 2 };
    const replayed = replay(target, 'kms1:list:0,0,0,5');
    if (!replayed.ok) expect.fail(replayed.message);
    expect(replayed.value.reproduced).toBe(false);
    expect(replayed.value.divergence).toContain('CPU 5 has nothing to do');
  });
});
