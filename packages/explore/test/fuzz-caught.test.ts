import { describe, expect, test } from 'vitest';
import { atomicAdd, cpuRelax, free, load, localAdd, preemptDisable, preemptEnable, store, wakeUpProcess, type KernelCode, type Machine, type MemoryModelName, type Scenario } from '@kmodsim/cpu';
import { expectSameEndings } from './differential.js';

// Programs the differential fuzz (reduced search against unreduced on random kernel programs:
// weakPlan(seed) in weak-programs.ts, whose seeds the comments name) caught losing endings, each
// cut down to what still lost one. Each names the ending it lost, so that a change to the program
// that no longer reaches it fails here rather than passing unexamined.

const CAP = 20_000;

/** Each task as a body on a bound CPU; the check reports every cell, so every ending differs. */
function program(name: string, tasks: readonly { cpu: number; body: (cells: readonly number[], pids: readonly number[]) => KernelCode<void> }[], irq?: (cells: readonly number[]) => KernelCode<void>): Scenario {
  return {
    name,
    description: 'a program the differential fuzz caught',
    setup(machine: Machine) {
      const cells = Array.from({ length: 6 }, (_, index) => machine.alloc(`c${index}`, 1).base);
      const object = machine.alloc('object', 1).base;
      const all = [...cells, object];
      const pids: number[] = [];
      for (const [index, task] of tasks.entries()) pids.push(machine.spawn({ name: `t${index}`, cpu: task.cpu, bound: true, body: () => task.body(all, pids) }));
      if (irq !== undefined) machine.addIrqSource({ name: 'irq', cpus: [0], limit: 1, handler: () => irq(all) });
      return (done) => `final ${cells.map((cell) => done.read(cell)).join(' ')}`;
    },
  };
}

const at = (cells: readonly number[], index: number): number => cells[index] ?? 0;

/**
 * A double free on CPU 0 ends the run before CPU 1, whose first step (a store) depends on nothing,
 * has run: the fault disabled CPU 1's steps, so CPU 1 goes first too, and its load of the object
 * CPU 0 freed first is a use after free. Lost under every model at bound 0 (fuzz seed 32).
 */
const doubleFree = program('double-free-ends-the-run', [
  { cpu: 0, body: function* (cells) { yield free(at(cells, 6)); } },
  { cpu: 1, body: function* (cells) { yield store(at(cells, 0), 1); yield load(at(cells, 6)); } },
  { cpu: 0, body: function* (cells) { yield free(at(cells, 6)); } },
]);

/**
 * CPU 1 stores x and reads y; CPU 2 waits for x, then stores y; CPU 0 reads x, after an interrupt
 * let it run for free. Reaching x read 0 on CPU 0 and y read 1 on CPU 1 needs CPU 1's read of y
 * after CPU 2's flush: with one location for the whole store buffer, that read was ordered
 * before the flush of the older store of x, and through it before CPU 2's store (fuzz seed 35).
 */
const youngerLoad = program('a-load-after-an-older-store-is-not-before-its-flush', [
  { cpu: 0, body: function* (cells) { yield store(at(cells, 3), yield load(at(cells, 0))); } },
  { cpu: 1, body: function* (cells) { yield store(at(cells, 0), 2); yield store(at(cells, 2), 10 + (yield load(at(cells, 1)))); } },
  { cpu: 2, body: function* (cells) {
    let rounds = 0;
    while ((yield load(at(cells, 0))) === 0 && rounds++ < 2) yield cpuRelax();
    yield store(at(cells, 1), 1);
    yield store(at(cells, 5), rounds);
  } },
], function* (cells) { yield store(at(cells, 4), 1); });

/**
 * CPU 1's local_add of the count sits in its buffer, ahead of its store of the flag, while CPU 0's
 * atomic add overtakes it (a lost update) and CPU 0's next task reads the flag. The flag's flush
 * raced with that read where the count's flush was the one enabled: taking it was the wrong
 * reversal, and the right one (CPU 1 on) was not asked for where it is free (fuzz seed 518).
 */
const flushBehindLocalAdd = program('a-flush-queued-behind-a-local-add', [
  { cpu: 0, body: function* (cells) { yield store(at(cells, 2), yield atomicAdd(at(cells, 0), 1)); } },
  { cpu: 1, body: function* (cells) {
    yield preemptDisable();
    const seen: number = yield localAdd(at(cells, 0), 1);
    yield preemptEnable();
    yield store(at(cells, 1), 2);
    yield store(at(cells, 3), seen);
  } },
  { cpu: 0, body: function* (cells) { yield store(at(cells, 4), yield load(at(cells, 1))); } },
]);

/**
 * CPU 1 spins until CPU 2 stores x, then stores y, which CPU 0 reads. Where CPU 0's read raced
 * with CPU 1's store, CPU 1 could not go first at the point where CPU 0's run began (it waited for
 * x): only CPU 2, whose store leads to it, could, and nothing was asked for there (fuzz seed 868,
 * at bound 0 under every model).
 */
const spinnerLedOn = program('a-spinner-only-another-cpu-leads-to', [
  { cpu: 0, body: function* (cells) { yield store(at(cells, 2), yield load(at(cells, 1))); } },
  { cpu: 1, body: function* (cells) {
    let rounds = 0;
    while ((yield load(at(cells, 0))) === 0 && rounds++ < 2) yield cpuRelax();
    yield store(at(cells, 1), 2);
    yield store(at(cells, 3), rounds);
  } },
  { cpu: 2, body: function* (cells) { yield store(at(cells, 0), 1); } },
]);

/**
 * Store buffering with a local_add on one side and a wake (a full barrier) on the other. Its
 * flush commutes with the local_add behind it but changes what going on after it costs: with
 * sleep sets, the flush slept across it and the ending that needs both preemptions was lost (fuzz
 * seed 193, under tso at bound 2).
 */
const flushAcrossLocalAdd = program('a-flush-does-not-sleep-across-its-cpus-store', [
  { cpu: 0, body: function* (cells) {
    yield store(at(cells, 0), 2);
    yield preemptDisable();
    const seen: number = yield localAdd(at(cells, 1), 1);
    yield preemptEnable();
    yield store(at(cells, 2), seen);
  } },
  { cpu: 1, body: function* (cells, pids) {
    yield store(at(cells, 1), 1);
    const woke: number = yield wakeUpProcess(pids[0] ?? 0);
    yield store(at(cells, 3), 10 * woke + (yield load(at(cells, 0))));
  } },
]);

/**
 * CPU 1's local_add overtakes CPU 2's stores of the same cell, after CPU 0 ran (one preemption)
 * and before CPU 2's store of the flag CPU 0 stored too. The race between the two stores of the
 * flag was to be reversed where CPU 2's run began, but CPU 1's flush in the middle of that run cut
 * it short, and the branch went where CPU 0 was past the bound (fuzz seed 506, under tso at bound 1).
 */
const flushInsideRun = program('another-cpus-flush-does-not-cut-a-run', [
  { cpu: 0, body: function* (cells) { const seen: number = yield load(at(cells, 0)); yield store(at(cells, 1), 1); yield store(at(cells, 3), seen); } },
  { cpu: 1, body: function* (cells) {
    yield store(at(cells, 0), 1);
    yield preemptDisable();
    const seen: number = yield localAdd(at(cells, 2), 1);
    yield preemptEnable();
    yield store(at(cells, 4), seen);
  } },
  { cpu: 2, body: function* (cells) { yield store(at(cells, 2), 2); yield store(at(cells, 2), 2); yield store(at(cells, 1), 2); } },
]);

/** Each program, its CPUs and preemption bound, the models it lost an ending under, and that ending. */
const cases: readonly [string, Scenario, number, number, readonly MemoryModelName[], string][] = [
  ['a double free', doubleFree, 2, 0, ['sc', 'tso', 'relaxed'], 'use-after-free: access to object after it was freed'],
  ['a load after an older store', youngerLoad, 3, 0, ['tso', 'relaxed'], 'invariant: final 2 1 11 0 1 1'],
  ['a flush behind a local_add', flushBehindLocalAdd, 2, 1, ['tso', 'relaxed'], 'invariant: final 1 2 1 1 2 0'],
  ['a spinner only another CPU leads to', spinnerLedOn, 3, 0, ['sc', 'tso', 'relaxed'], 'invariant: final 1 2 2 1 0 0'],
  ['another CPU\'s flush inside a run', flushInsideRun, 3, 1, ['tso', 'relaxed'], 'invariant: final 1 2 1 1 1 0'],
  ['a flush across its CPU\'s local_add', flushAcrossLocalAdd, 2, 2, ['tso', 'relaxed'], 'invariant: final 2 1 1 0 0 0'],
];

describe('programs the differential fuzz caught: the reduced search finds every ending the unreduced one does', () => {
  for (const [label, scenario, cpuCount, preemptions, models, lost] of cases) {
    test.each(models)(`${label}, under %s`, (memoryModel) => {
      const bounds = { preemptions, irqs: 1, iterative: false, stopAtFirstViolation: false } as const;
      const all = expectSameEndings({ scenario, cpuCount, memoryModel }, bounds, CAP, `${label} under ${memoryModel}`);
      expect(all).toContain(lost);
    });
  }
});
