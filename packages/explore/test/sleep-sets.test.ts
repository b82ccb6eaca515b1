import { describe, expect, test } from 'vitest';
import { load, store, type KernelCode, type Machine, type Scenario } from '@kmodsim/cpu';
import { explore } from '@kmodsim/explore';
import { programScenario, randomPlan } from '../../cpu/test/random-programs.js';
import { endings } from './differential.js';

// Sleep sets on top of the partial-order reduction must find every ending the unreduced search
// finds when no preemption bound binds (a bound of 50 is none for these programs): then they
// sleep whatever the costs. Under a binding bound, see sleep-sets-bounded.test.ts. As in
// reduction.test.ts, each program's check reports its final state, so every execution is a
// "violation" whose message names how it ended.

/** More preemptions than any execution of these programs can use. */
const UNBOUNDED = 50;

/**
 * IRIW: two writers, two readers reading the two cells in opposite orders, each reader storing
 * what it saw. Under sequential consistency every pair of readings is reachable except the two
 * readers disagreeing on the order of the writes (`1 0 1 0`).
 */
function iriw(): Scenario {
  return {
    name: 'iriw',
    description: 'independent reads of independent writes',
    setup(machine: Machine) {
      const x = machine.alloc('x', 1, { lineAligned: true }).base;
      const y = machine.alloc('y', 1, { lineAligned: true }).base;
      const seen = Array.from({ length: 4 }, (_, index) => machine.alloc(`r${index}`, 1, { lineAligned: true }).base);
      const reader = (first: number, second: number, into: number) => function* (): KernelCode<void> {
        const a = yield load(first);
        const b = yield load(second);
        yield store(seen[into] ?? 0, a);
        yield store(seen[into + 1] ?? 0, b);
      };
      machine.spawn({ name: 'P0', cpu: 0, bound: true, body: function* () { yield store(x, 1); } });
      machine.spawn({ name: 'P1', cpu: 1, bound: true, body: reader(x, y, 0) });
      machine.spawn({ name: 'P2', cpu: 2, bound: true, body: function* () { yield store(y, 1); } });
      machine.spawn({ name: 'P3', cpu: 3, bound: true, body: reader(y, x, 2) });
      return (done) => `final ${seen.map((cell) => done.read(cell)).join(' ')}`;
    },
  };
}

/**
 * One writer of x and two readers of it, each reader storing what it saw (10 + the value). The
 * smallest program found where sleep sets lost an ending: with the writer's store asleep after
 * the first reader's dispatch, its load raced with that store, and only the second reader's load
 * going first (an initial of the reversal other than the sleeping writer) reached `11 10`.
 */
function oneWriterTwoReaders(): Scenario {
  return {
    name: 'one-writer-two-readers',
    description: 'a store and two loads of it',
    setup(machine: Machine) {
      const x = machine.alloc('x', 1, { lineAligned: true }).base;
      const seen = [1, 2].map((index) => machine.alloc(`r${index}`, 1, { lineAligned: true }).base);
      const reader = (into: number) => function* (): KernelCode<void> {
        yield store(into, 10 + (yield load(x)));
      };
      machine.spawn({ name: 'W', cpu: 0, bound: true, body: function* () { yield store(x, 1); } });
      machine.spawn({ name: 'R1', cpu: 1, bound: true, body: reader(seen[0] ?? 0) });
      machine.spawn({ name: 'R2', cpu: 2, bound: true, body: reader(seen[1] ?? 0) });
      return (done) => `final ${seen.map((cell) => done.read(cell)).join(' ')}`;
    },
  };
}

/**
 * Random programs (../cpu/test/random-programs.ts) whose unreduced search without a binding
 * bound ends within 4,000 executions, among the first 300 seeds (most spin or sleep too much).
 */
const PROGRAMS = [0, 27, 32, 59, 63, 96, 103, 131, 146, 163, 164, 261, 269];

describe('sleep sets without a binding preemption bound find every ending the unreduced search does', () => {
  const unbounded = { preemptions: UNBOUNDED, iterative: false, stopAtFirstViolation: false } as const;

  test('a store and two loads of it', () => {
    const target = { scenario: oneWriterTwoReaders(), cpuCount: 3 };
    const full = explore(target, { ...unbounded, irqs: 0, reduction: false });
    expect(full.counts.exhausted).toBe(true);
    expect(endings(full)).toContain('invariant: final 11 10');
    expect(endings(explore(target, { ...unbounded, irqs: 0, sleepSets: true }))).toEqual(endings(full));
  });

  test.each(PROGRAMS)('random program %i', (seed) => {
    const plan = randomPlan(seed);
    const target = { scenario: programScenario(plan), cpuCount: plan.cpuCount };
    const bounds = { ...unbounded, irqs: plan.irq ? 1 : 0 };
    const full = explore(target, { ...bounds, reduction: false, maxExecutions: 4000 });
    expect(full.counts.exhausted, `seed ${seed}: the unreduced search no longer ends within 4,000 executions; choose the programs again`).toBe(true);
    const reduced = explore(target, { ...bounds, sleepSets: true });
    expect(reduced.counts.exhausted).toBe(true);
    expect(endings(reduced), `seed ${seed}`).toEqual(endings(full));
  });

  test('IRIW reaches all 15 final states sequential consistency allows', () => {
    const expected: string[] = [];
    for (let state = 0; state < 16; state++) {
      const bits = [3, 2, 1, 0].map((bit) => (state >> bit) & 1).join(' ');
      if (bits !== '1 0 1 0') expected.push(`invariant: final ${bits}`);
    }
    const report = explore({ scenario: iriw(), cpuCount: 4 }, { preemptions: UNBOUNDED, irqs: 0, iterative: false, stopAtFirstViolation: false, sleepSets: true });
    expect(report.counts.exhausted).toBe(true);
    // Before the reversal's initials were scheduled, `1 1 0 0`, `1 0 0 0` and `1 1 1 0` were missed.
    expect(endings(report)).toEqual(expected.sort());
  });
});
