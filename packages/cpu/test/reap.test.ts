import { describe, expect, test } from 'vitest';
import { createMachine, decodeSnapshot, encodeSnapshot, Machine, wakeUpProcess, type KernelCode } from '@kmodsim/cpu';

// Reaping a dead task (release_task): the machine forgets it, but its pid stays used, and a wake
// of it does what a wake of a dead task does. Snapshots keep the gap.

function machineWithDeadTask(): Machine {
  const created = createMachine({ cpuCount: 2, snapshots: true });
  if (!created.ok) throw new Error(created.message);
  const machine = created.value;
  machine.spawn({ name: 'short', cpu: 0, body: function* (): KernelCode<void> { /* returns at once */ } });
  machine.run();
  return machine;
}

describe('a reaped task', () => {
  test('is forgotten, its pid never given again, and waking it wakes nothing', () => {
    const machine = machineWithDeadTask();
    expect(machine.reap(1)).toBe(true);
    expect(machine.task(1)).toBeUndefined();
    expect(machine.taskList()).toEqual([]);
    expect(machine.reap(1)).toBe(false);
    const waker = machine.spawn({ name: 'waker', cpu: 1, bound: true, body: function* (): KernelCode<void> { yield wakeUpProcess(1); } });
    expect(waker).toBe(2);
    const run = machine.run();
    expect(run.ok).toBe(true);
    expect(machine.oopses).toEqual([]);
  });

  test('a live task is not reaped', () => {
    const created = createMachine({ cpuCount: 1 });
    if (!created.ok) throw new Error(created.message);
    const pid = created.value.spawn({ name: 'live', body: function* (): KernelCode<void> { yield wakeUpProcess(1); } });
    expect(created.value.reap(pid)).toBe(false);
    expect(created.value.task(pid)?.state).toBe('TASK_RUNNING');
  });

  test('a snapshot keeps the gap, in memory and as bytes: the next task gets the next pid', () => {
    const machine = machineWithDeadTask();
    machine.reap(1);
    const taken = machine.snapshot();
    if (!taken.ok) expect.fail(taken.message);
    const bytes = encodeSnapshot(taken.value);
    if (!bytes.ok) expect.fail(bytes.message);
    const decoded = decodeSnapshot(bytes.value, {});
    if (!decoded.ok) expect.fail(decoded.message);
    for (const snapshot of [taken.value, decoded.value]) {
      const restored = Machine.restore(snapshot);
      if (!restored.ok) expect.fail(restored.message);
      expect(restored.value.task(1)).toBeUndefined();
      expect(restored.value.spawn({ name: 'next', body: function* (): KernelCode<void> { /* nothing */ } })).toBe(2);
    }
  });
});
