import { describe, expect, test } from 'vitest';
import { createPrng, encodeSnapshot, keptList, keptValue, load, Machine, store, type KernelCode } from '@kmodsim/cpu';
import { machineOf } from './helpers.js';
import { programScenario, randomPlan } from './random-programs.js';
import { observed, snapshotOf, stepRandomly, SwitchableScheduler, tracedMachine, type Traced } from './snapshot-helpers.js';

// Rewinding a machine to a snapshot it took is how a model checker starts each execution from a
// checkpoint: the same machine object, held by the kernel's objects and the scenario's check,
// goes on as it did from the snapshot, whatever ran in between. Checked on random kernel
// programs (test/random-programs.ts); a failure names the seed.

const SEEDS = Array.from({ length: 40 }, (_, index) => index + 1);

/** Runs the machine to its end under choices picked by a generator seeded with `seed`. */
function runOut(machine: Machine, seed: number): void {
  const prng = createPrng(seed);
  for (let made = 0; made < 3000 && stepRandomly(machine, prng); made++);
}

function atQuietPoint(seed: number): Traced | undefined {
  const plan = randomPlan(seed);
  const traced = tracedMachine(plan.cpuCount, programScenario(plan), new SwitchableScheduler());
  traced.machine.setFaultPolicy('oops');
  const prng = createPrng(seed * 7919);
  for (let made = prng.below(40); made > 0 && stepRandomly(traced.machine, prng); made--);
  while (traced.machine.status === 'running' && !traced.machine.snapshot().ok) stepRandomly(traced.machine, prng);
  return traced.machine.status === 'running' ? traced : undefined;
}

describe('a machine rewound to its own snapshot goes on as it did from there', () => {
  test.each(SEEDS)('random program %i: the same choices after a rewind give the same run, whatever ran before it', (seed) => {
    const traced = atQuietPoint(seed);
    if (traced === undefined) return;
    const snapshot = snapshotOf(traced.machine);
    traced.tracedBefore = traced.sink.events.length;
    runOut(traced.machine, seed);
    const first = observed(traced);
    for (const other of [seed + 1000, seed]) {
      const rewound = traced.machine.rewind(snapshot);
      if (!rewound.ok) return expect.fail(rewound.message);
      traced.tracedBefore = traced.sink.events.length;
      runOut(traced.machine, other);
    }
    expect(observed(traced), `seed ${seed}`).toEqual(first);
  });
});

/** A task that counts to 3 in simulated memory, noting what it saw in a kept list and value. */
function counting(): { machine: Machine; seen: string[]; last: { value: number } } {
  const machine = machineOf({ cpuCount: 1, snapshots: true });
  const counter = machine.alloc('counter', 1).base;
  const seen = keptList<string>(machine, 'what the task saw');
  const last = keptValue(machine, 'the last value', -1);
  machine.spawn({ name: 'inc', body: function* (): KernelCode<void> {
    for (let i = 0; i < 3; i++) {
      const value: number = yield load(counter);
      seen.push(`saw ${value}`);
      last.value = value;
      yield store(counter, value + 1);
    }
  } });
  return { machine, seen, last };
}

describe('host state handed to the machine comes back with a rewind', () => {
  test('a list and a value kept by the machine are as they were at the snapshot, and a run after the rewind repeats the first', () => {
    const { machine, seen, last } = counting();
    machine.perform(machine.stepChoice(0));
    machine.perform(machine.stepChoice(0));
    const snapshot = snapshotOf(machine);
    expect(seen).toEqual(['saw 0']);
    machine.run();
    expect(seen).toEqual(['saw 0', 'saw 1', 'saw 2']);
    const rewound = machine.rewind(snapshot);
    expect(rewound.ok).toBe(true);
    expect([...seen, last.value]).toEqual(['saw 0', 0]);
    machine.run();
    expect([...seen, last.value]).toEqual(['saw 0', 'saw 1', 'saw 2', 2]);
  });

  test('taking a snapshot runs the task bodies again, but leaves host state as it was', () => {
    const { machine, seen } = counting();
    for (let step = 0; step < 4; step++) machine.perform(machine.stepChoice(0));
    snapshotOf(machine);
    expect(seen).toEqual(['saw 0', 'saw 1']);
  });

  test('host state handed over after the snapshot is let go by the rewind', () => {
    const { machine } = counting();
    const snapshot = snapshotOf(machine);
    keptList(machine, 'a later list');
    expect(machine.rewind(snapshot).ok).toBe(true);
    const again = snapshotOf(machine);
    expect(again.host.map((part) => part.name)).toEqual(['what the task saw', 'the last value']);
  });

  test('a snapshot with host state is refused by Machine.restore and by encodeSnapshot, naming the parts', () => {
    const { machine } = counting();
    const snapshot = snapshotOf(machine);
    const restored = Machine.restore(snapshot);
    expect(restored.ok ? 'restored' : [restored.errno, 'problem' in restored ? restored.problem : 'no problem named']).toEqual(['EINVAL', 'host-state']);
    expect(restored.ok ? '' : restored.message).toContain('what the task saw, the last value');
    const bytes = encodeSnapshot(snapshot);
    expect(bytes.ok ? 'encoded' : bytes.problem).toBe('host-state');
  });

});

describe('what a rewind refuses, and what it undoes', () => {
  test('a machine is not rewound to another machine\'s snapshot of another shape', () => {
    const { machine } = counting();
    const other = machineOf({ cpuCount: 2, snapshots: true });
    const rewound = machine.rewind(snapshotOf(other));
    expect(rewound.ok ? 'rewound' : [rewound.errno, rewound.problem]).toEqual(['EINVAL', 'other-machine']);
    expect(rewound.ok ? '' : rewound.message).toContain('of 2 CPUs, the machine has 1');
  });

  test('a task body that no longer replays as it ran (it reads a host variable the machine was not handed) fails the rewind and leaves the machine faulted', () => {
    const machine = machineOf({ cpuCount: 1, snapshots: true });
    const cell = machine.alloc('cell', 1).base;
    const host = { loads: true };
    machine.spawn({ name: 'reader', body: function* (): KernelCode<void> {
      yield host.loads ? load(cell) : store(cell, 1);
      yield load(cell);
    } });
    machine.perform(machine.stepChoice(0));
    const snapshot = snapshotOf(machine);
    host.loads = false;
    const rewound = machine.rewind(snapshot);
    expect(rewound.ok ? 'rewound' : [rewound.errno, rewound.problem, rewound.message]).toEqual(['EINVAL', 'replay-diverged', expect.stringContaining('reader-1')]);
    expect(machine.status).toBe('faulted');
    expect(machine.fault?.message).toMatch(/^rewinding to the snapshot failed, so the machine cannot go on/);
  });

  test('a rewind without replay logs goes on as one with them, and the machine then refuses a snapshot until a rewind with them', () => {
    const { machine, seen } = counting();
    machine.perform(machine.stepChoice(0));
    const snapshot = snapshotOf(machine);
    expect(machine.rewind(snapshot, { replayLogs: false }).ok).toBe(true);
    machine.run();
    expect(seen).toEqual(['saw 0', 'saw 1', 'saw 2']);
    expect(machine.rewind(snapshot, { replayLogs: false }).ok).toBe(true);
    machine.perform(machine.stepChoice(0));
    const refused = machine.snapshot();
    expect(refused.ok ? 'taken' : refused.problem).toBe('no-replay-log');
    expect(machine.rewind(snapshot).ok).toBe(true);
    machine.perform(machine.stepChoice(0));
    expect(machine.snapshot().ok).toBe(true);
  });

  test('a run that faulted is rewound to before the fault', () => {
    const machine = machineOf({ cpuCount: 1, snapshots: true });
    const object = machine.alloc('object', 1);
    machine.spawn({ name: 'user', body: function* (): KernelCode<void> {
      yield load(object.base);
    } });
    const snapshot = snapshotOf(machine);
    machine.memory.free(object.base);
    machine.run();
    expect(machine.fault?.kind).toBe('use-after-free');
    expect(machine.rewind(snapshot).ok).toBe(true);
    expect(machine.status).toBe('running');
    expect(machine.run().ok).toBe(true);
  });
});
