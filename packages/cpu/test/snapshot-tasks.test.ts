import { describe, expect, test } from 'vitest';
import {
  atomicAdd, cpuRelax, createPrng, load, preemptDisable, preemptEnable, rest, RoundRobinScheduler, schedule, setCurrentState, store, wakeUpProcess,
  type ExecutionContext, type KernelCode, type Machine, type Scenario,
} from '@kmodsim/cpu';
import { observed, restored, runInStep, snapshotOf, stepRandomly, SwitchableScheduler, tracedMachine } from './snapshot-helpers.js';

// How tasks are restored: what a body saw of itself is replayed with it, and a kthread that
// rests at its loop head is restored from its latest rest point, so what is kept of it does not
// grow with the work it did.

/** Folds the CPU it runs on, its preempt count and its state into a number at every step, and stores it at the end. */
function* wanderer(self: ExecutionContext, cell: number): KernelCode<void> {
  let trail = 0;
  for (let round = 0; round < 12; round++) {
    trail = (trail * 7 + self.cpu * 3 + self.preemptCount) % 1_000_003;
    yield preemptDisable();
    trail = (trail * 7 + self.preemptCount) % 1_000_003;
    yield store(cell, trail);
    yield preemptEnable();
    yield setCurrentState('TASK_INTERRUPTIBLE');
    trail = (trail * 7 + (self.taskState === 'TASK_RUNNING' ? 1 : 2)) % 1_000_003;
    yield setCurrentState('TASK_RUNNING');
  }
  yield store(cell, trail);
}

const wanderers: Scenario = {
  name: 'wanderers',
  description: 'unbound tasks that note which CPU they run on while preemptions move them',
  setup(machine: Machine) {
    for (let index = 0; index < 3; index++) {
      const cell = machine.alloc(`trail${index}`, 1, { lineAligned: true }).base;
      machine.spawn({ name: `wanderer${index}`, body: (self) => wanderer(self, cell) });
    }
    return undefined;
  },
};

/** A kworker: rests at its loop head, sleeps until there is work, does it, and notes where it was at the head and where it is. */
function* kworker(self: ExecutionContext, cells: WorkCells, rests: boolean): KernelCode<void> {
  for (;;) {
    if (rests) yield rest();
    const atHead = self.cpu;
    yield setCurrentState('TASK_INTERRUPTIBLE');
    if ((yield load(cells.work)) === 0) {
      yield schedule();
      continue;
    }
    yield setCurrentState('TASK_RUNNING');
    yield store(cells.work, 0);
    yield store(cells.lastCpu, atHead * 10 + self.cpu);
    yield atomicAdd(cells.done, 1);
  }
}

/** Hands the kworker `rounds` pieces of work, one at a time. */
function* producer(cells: WorkCells, worker: number, rounds: number): KernelCode<void> {
  for (let round = 0; round < rounds; round++) {
    const before = yield load(cells.done);
    yield store(cells.work, 1);
    yield wakeUpProcess(worker);
    while ((yield load(cells.done)) === before) yield cpuRelax();
  }
}

interface WorkCells {
  readonly work: number;
  readonly done: number;
  readonly lastCpu: number;
}

function workCells(machine: Machine): WorkCells {
  return { work: machine.alloc('work', 1).base, done: machine.alloc('done', 1, { lineAligned: true }).base, lastCpu: machine.alloc('last_cpu', 1).base };
}

function kworkerMachine(rests: boolean, bound: boolean): { machine: Machine; cells: WorkCells; worker: number; scheduler: SwitchableScheduler } {
  const scheduler = new SwitchableScheduler(new RoundRobinScheduler());
  const { machine } = tracedMachine(2, undefined, scheduler);
  const cells = workCells(machine);
  const worker = machine.spawn({ name: 'kworker/1', cpu: 1, bound, daemon: true, body: (self) => kworker(self, cells, rests) });
  return { machine, cells, worker, scheduler };
}

describe('tasks restored by replaying their bodies', () => {
  test.each([1, 2, 3, 4, 5, 6, 7, 8])('a body that reads its CPU, preempt count and state between yields sees what it saw (seed %i)', (seed) => {
    const original = tracedMachine(3, wanderers);
    const prng = createPrng(seed);
    for (let made = 10 + prng.below(60); made > 0 && stepRandomly(original.machine, prng); made--);
    original.tracedBefore = original.sink.events.length;
    const copy = restored(snapshotOf(original.machine));
    runInStep(original.machine, copy.machine, seed);
    expect(observed(copy)).toEqual(observed(original));
    expect(original.machine.status).toBe('finished');
  });
});

describe('rest points', () => {
  test('a kthread that rests at its loop head keeps a log of its latest round only; one that does not keeps all of them', () => {
    const logged = [true, false].map((rests) => {
      const { machine, cells, worker } = kworkerMachine(rests, true);
      machine.spawn({ name: 'producer', cpu: 0, body: () => producer(cells, worker, 200) });
      expect(machine.run().ok).toBe(true);
      expect(machine.read(cells.done)).toBe(200);
      return snapshotOf(machine).tasks[worker - 1]?.log?.values.length ?? -1;
    });
    expect(logged[0]).toBeLessThanOrEqual(4);
    expect(logged[1]).toBeGreaterThan(1000);
  });

  test('a kthread restored from its rest point goes on as the original does', () => {
    const { machine, cells, worker, scheduler } = kworkerMachine(true, true);
    machine.spawn({ name: 'producer', cpu: 0, body: () => producer(cells, worker, 50) });
    expect(machine.run().ok).toBe(true);
    // Round-robin remembers the CPU it chose last: both go on with one that has chosen none.
    scheduler.inner = new RoundRobinScheduler();
    const copy = restored(snapshotOf(machine), { schedule: new RoundRobinScheduler() }).machine;
    for (const target of [machine, copy]) {
      target.spawn({ name: 'producer', cpu: 0, body: () => producer(cells, worker, 30) });
      expect(target.run().ok).toBe(true);
    }
    expect(copy.read(cells.done)).toBe(80);
    expect(copy.elapsedCycles).toBe(machine.elapsedCycles);
    expect(copy.choiceString()).toBe(machine.choiceString());
  });

  test.each([1, 2, 3, 4, 5, 6])('an unbound kthread that rests and is moved between CPUs is restored where it stood (seed %i)', (seed) => {
    const original = tracedMachine(2);
    const cells = workCells(original.machine);
    const worker = original.machine.spawn({ name: 'kworker', daemon: true, body: (self) => kworker(self, cells, true) });
    original.machine.spawn({ name: 'producer', body: () => producer(cells, worker, 8) });
    const prng = createPrng(seed);
    for (let made = 40 + prng.below(150); made > 0 && stepRandomly(original.machine, prng); made--);
    while (original.machine.status === 'running' && !original.machine.snapshot().ok) stepRandomly(original.machine, prng);
    original.tracedBefore = original.sink.events.length;
    const copy = restored(snapshotOf(original.machine));
    runInStep(original.machine, copy.machine, seed, 20_000);
    expect(observed(copy)).toEqual(observed(original));
  });
});
