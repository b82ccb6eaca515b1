import { describe, expect, it } from 'vitest';
import { cpuRelax, free, load, preemptDisable, preemptEnable, store, work, type ExecutionContext, type KernelCode } from '@kmodsim/cpu';
import { createRcu, type Rcu } from '@kmodsim/rcu';
import { machineOf } from './helpers.js';

// synchronize_rcu_expedited() waits for the same readers as synchronize_rcu(): since 4.20 that
// includes every stretch of code with preemption off, not only rcu_read_lock() sections. Each
// test here unpublishes a pointer, waits, and frees what it pointed at, while a reader on another
// CPU may still hold it; the machine faults an access to freed memory.

type Reader = (rcu: Rcu, self: ExecutionContext, pointer: number) => KernelCode<void>;

/** Work enough steps that the updater can unpublish, wait and free meanwhile if the wait is broken. */
function* useFor(steps: number): KernelCode<void> {
  for (let step = 0; step < steps; step++) yield work(1);
}

/** Loads the published pointer and, a while later, what it points at. */
function* dereference(pointer: number): KernelCode<void> {
  const p = yield load(pointer);
  yield* useFor(30);
  if (p !== 0) yield load(p);
}

/** A reader in the consolidated sense: preemption off, and no rcu_read_lock(). */
const preemptOffReader: Reader = function* (_rcu, _self, pointer) {
  yield preemptDisable();
  yield* dereference(pointer);
  yield preemptEnable();
};

const READERS: Readonly<Record<string, Reader>> = {
  'preempt_disable() with no rcu_read_lock()': preemptOffReader,
  'rcu_read_lock() nested in preempt_disable(), the pointer used after rcu_read_unlock()': function* (rcu, self, pointer) {
    yield preemptDisable();
    yield* rcu.readLock(self);
    const p = yield load(pointer);
    yield* rcu.readUnlock(self);
    yield* useFor(30);
    if (p !== 0) yield load(p);
    yield preemptEnable();
  },
  'rcu_read_lock()': function* (rcu, self, pointer) {
    yield* rcu.readLock(self);
    yield* dereference(pointer);
    yield* rcu.readUnlock(self);
  },
};

/** Readers on CPUs 1.., an updater on CPU 0 that unpublishes, waits for an expedited grace period and frees. */
function runUnpublishAndFree(reader: Reader, cpuCount: number, seed: number): { ok: boolean; message: string; schedule: string } {
  const machine = machineOf({ cpuCount, schedule: `kms1:random:${seed}:irq=0.1:preempt=0.1` });
  const rcu = createRcu(machine);
  const pointer = machine.alloc('gp', 1, { lineAligned: true }).base;
  const data = machine.alloc('data', 1, { lineAligned: true }).base;
  machine.write(pointer, data);
  for (let cpu = 1; cpu < cpuCount; cpu++) {
    machine.spawn({ name: `reader/${cpu}`, cpu, bound: true, body: function* (self) {
      for (let i = 0; i < 3; i++) {
        yield work(1 + ((seed + i) % 4));
        yield* reader(rcu, self, pointer);
      }
    } });
  }
  machine.spawn({ name: 'updater', cpu: 0, bound: true, body: function* (self) {
    yield work(seed % 7);
    yield store(pointer, 0);
    yield* rcu.synchronizeExpedited(self);
    yield free(data);
  } });
  const run = machine.run();
  return run.ok ? { ok: true, message: '', schedule: run.schedule } : { ok: false, message: run.fault.message, schedule: run.fault.choices };
}

describe('synchronize_rcu_expedited waits for preempt-disabled readers', () => {
  for (const [name, reader] of Object.entries(READERS)) {
    it(`never frees under a reader that holds the pointer in ${name} (1,500 random schedules)`, () => {
      for (let seed = 1; seed <= 1500; seed++) {
        const cpuCount = 2 + (seed % 2);
        const run = runUnpublishAndFree(reader, cpuCount, seed);
        if (!run.ok) expect.fail(`${cpuCount} CPUs, seed ${seed}: ${run.message}\nreplay: ${run.schedule}`);
      }
    });
  }

  it('still ends while another CPU busy-waits with preemption on, for a flag set only after the grace period', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const machine = machineOf({ cpuCount: 2, schedule: `kms1:random:${seed}:preempt=0` });
      const rcu = createRcu(machine);
      const flag = machine.alloc('flag', 1, { lineAligned: true }).base;
      machine.spawn({ name: 'spinner', cpu: 1, bound: true, body: function* () {
        while ((yield load(flag)) === 0) yield cpuRelax();
      } });
      machine.spawn({ name: 'updater', cpu: 0, bound: true, body: function* (self) {
        yield* rcu.synchronizeExpedited(self);
        yield store(flag, 1);
      } });
      const run = machine.run();
      if (!run.ok) expect.fail(`seed ${seed}: ${run.fault.message}\nreplay: ${run.fault.choices}`);
      expect(rcu.completed.expedited).toBe(1);
    }
  });

  it('a machine saved as bytes after an expedited grace period, then restored, runs another that still waits for readers', () => {
    const first = machineOf({ cpuCount: 2, schedule: 'kms1:rr', snapshots: true });
    const before = createRcu(first);
    first.spawn({ name: 'updater', cpu: 0, body: (self) => before.synchronizeExpedited(self) });
    expect(first.run().ok).toBe(true);
    const bytes = first.snapshotBytes();
    if (!bytes.ok) expect.fail(bytes.message);
    for (let seed = 1; seed <= 200; seed++) {
      const machine = machineOf({ cpuCount: 2, schedule: `kms1:random:${seed}:preempt=0.1`, snapshots: true });
      const rcu = createRcu(machine);
      const restored = machine.rewindFromBytes(bytes.value);
      if (!restored.ok) expect.fail(restored.message);
      const pointer = machine.alloc('gp', 1, { lineAligned: true }).base;
      const data = machine.alloc('data', 1, { lineAligned: true }).base;
      machine.write(pointer, data);
      machine.spawn({ name: 'reader', cpu: 1, bound: true, body: (self) => preemptOffReader(rcu, self, pointer) });
      machine.spawn({ name: 'updater', cpu: 0, bound: true, body: function* (self) {
        yield store(pointer, 0);
        yield* rcu.synchronizeExpedited(self);
        yield free(data);
      } });
      const run = machine.run();
      if (!run.ok) expect.fail(`seed ${seed}: ${run.fault.message}\nreplay: ${run.fault.choices}`);
      expect(rcu.completed.expedited).toBe(2);
    }
  });
});
