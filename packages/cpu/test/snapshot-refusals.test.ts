import { describe, expect, test } from 'vitest';
import { check, load, sendIpi, store, work, type KernelCode, type Machine } from '@kmodsim/cpu';
import { machineOf } from './helpers.js';

// What the machine refuses to snapshot, each refusal a SnapshotFailure naming the task (if any)
// and why: a point where an interrupt handler runs or an IPI waits, a faulted run, and a task
// whose body does not do again what it did.

function stepCpu(machine: Machine, cpu: number, times: number): void {
  for (let made = 0; made < times; made++) machine.perform(machine.stepChoice(cpu));
}

describe('snapshots the machine refuses', () => {
  test('a task whose body depends on a JavaScript variable outside simulated memory, which replaying it does not give back', () => {
    const machine = machineOf({ cpuCount: 1, snapshots: true });
    const cell = machine.alloc('cell', 1).base;
    let runs = 0;
    const pid = machine.spawn({
      name: 'fickle',
      body: function* (): KernelCode<void> {
        runs++;
        const value = yield load(cell);
        if (runs === 1) yield store(cell, value + 1);
        else yield work(10);
        yield load(cell);
      },
    });
    stepCpu(machine, 0, 3);
    const taken = machine.snapshot();
    expect(taken.ok).toBe(false);
    if (taken.ok) return;
    expect(taken).toMatchObject({ errno: 'EINVAL', problem: 'replay-diverged', pid });
    expect(taken.message).toContain(`fickle-${pid}`);
    expect(taken.message).toContain('simulated memory');
    expect(taken.message).toContain('ModuleCore');
  });

  test('a task whose body throws when run again', () => {
    const machine = machineOf({ cpuCount: 1, snapshots: true });
    const cell = machine.alloc('cell', 1).base;
    let started = false;
    const pid = machine.spawn({
      name: 'once',
      body: function* (): KernelCode<void> {
        if (started) throw new Error('started twice');
        started = true;
        yield load(cell);
        yield load(cell);
      },
    });
    stepCpu(machine, 0, 2);
    expect(machine.snapshot()).toMatchObject({ ok: false, errno: 'EINVAL', problem: 'replay-threw', pid, message: expect.stringContaining('started twice') as unknown });
  });

  test('an IPI waiting to be taken, or an interrupt handler running', () => {
    const machine = machineOf({ cpuCount: 2, snapshots: true });
    const cell = machine.alloc('cell', 1).base;
    machine.addIrqSource({ name: 'device', cpus: [0], handler: function* () { yield store(cell, 1); yield store(cell, 2); } });
    machine.spawn({ name: 'sender', cpu: 1, bound: true, body: function* () { yield sendIpi(0, 'poke', function* () { yield store(cell, 3); }); yield load(cell); } });
    machine.spawn({ name: 'idler', cpu: 0, bound: true, body: function* () { yield load(cell); yield load(cell); yield load(cell); } });
    stepCpu(machine, 1, 2);
    expect(machine.snapshot()).toMatchObject({ ok: false, errno: 'EBUSY', problem: 'not-quiet', message: expect.stringContaining('CPU 0 has 1 IPI waiting') as unknown });
    machine.perform({ kind: 'ipi', cpu: 0 });
    stepCpu(machine, 0, 1);
    expect(machine.snapshot().ok).toBe(true);
    stepCpu(machine, 0, 1);
    machine.perform({ kind: 'irq', cpu: 0, source: 0 });
    expect(machine.snapshot()).toMatchObject({ ok: false, problem: 'not-quiet', message: expect.stringContaining('CPU 0 runs interrupt handler device') as unknown });
  });

  test('a live task on a machine made without snapshots: true, which keeps no replay logs; once no task is alive, the machine can be', () => {
    const machine = machineOf({ cpuCount: 1 });
    const cell = machine.alloc('cell', 1).base;
    const pid = machine.spawn({ name: 'worker', body: function* () { yield store(cell, 1); } });
    expect(machine.snapshot()).toMatchObject({ ok: false, errno: 'EINVAL', problem: 'no-replay-log', pid, message: expect.stringContaining('snapshots: true') as unknown });
    machine.run();
    expect(machine.snapshot().ok).toBe(true);
  });

  test('a run that has faulted', () => {
    const machine = machineOf({ cpuCount: 1, snapshots: true });
    machine.spawn({ name: 'checker', body: function* () { yield check(false, 'the count went below zero'); } });
    machine.run();
    expect(machine.snapshot()).toMatchObject({ ok: false, errno: 'EINVAL', problem: 'faulted', message: expect.stringContaining('the count went below zero') as unknown });
  });
});
