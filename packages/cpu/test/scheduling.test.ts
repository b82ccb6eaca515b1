import { describe, expect, test } from 'vitest';
import { load, preemptDisable, preemptEnable, runScenario, setAffinity, spawn, store, work, type Machine, type Scenario } from '@kmodsim/cpu';
import { machineOf } from './helpers.js';

describe('preemption and migration', () => {
  test('a preempted task can continue on another CPU, and its code sees the new CPU', () => {
    const cpusSeen: number[] = [];
    const scenario: Scenario = {
      name: 'migrate',
      description: 'a task is preempted on CPU 0 and resumes on CPU 1',
      setup(machine: Machine) {
        machine.spawn({ name: 'mover', cpu: 0, body: function* (self) {
          cpusSeen.push(self.cpu);
          yield work(10);
          cpusSeen.push(self.cpu);
          yield work(10);
        } });
        return undefined;
      },
    };
    // Switched in on CPU 0 (its code runs up to the first yield there), preempted before that
    // first step and moved to CPU 1, switched in there; both steps and the exit then run on CPU 1.
    const run = runScenario(scenario, { cpuCount: 2, schedule: 'kms1:list:0,p0>1,1,1,1,1', trace: true });
    if (!run.ok) expect.fail(run.message);
    expect(run.value.fault).toBeUndefined();
    expect(cpusSeen).toEqual([0, 1]);
    expect(run.value.trace.filter((event) => event.name === 'sched_switch').map((event) => `${event.cpu}:${event.detail}`)).toEqual([
      '0:next_comm=mover next_pid=1',
      '0:prev_comm=mover prev_pid=1 prev_state=R+',
      '1:next_comm=mover next_pid=1',
    ]);
  });

  test('preemption is refused while preemption is disabled or for a bound task moving away', () => {
    const scenario: Scenario = {
      name: 'no-preempt',
      description: 'a preempt-disabled section',
      setup(machine) {
        machine.spawn({ name: 'pinned', cpu: 0, body: function* () { yield preemptDisable(); yield work(1); yield preemptEnable(); } });
        return undefined;
      },
    };
    const run = runScenario(scenario, { cpuCount: 2, schedule: 'kms1:list:0,0,p0>1' });
    if (!run.ok) expect.fail(run.message);
    expect(run.value.fault?.kind).toBe('replay-diverged');
    expect(run.value.fault?.message).toContain('CPU 0 cannot be preempted to CPU 1 now');
  });

  test('a stop-class task preempts the running task as soon as preemption is enabled again', () => {
    const order: string[] = [];
    const machine = machineOf({ cpuCount: 1, schedule: 'kms1:rr' });
    const cell = machine.alloc('x', 1).base;
    machine.spawn({ name: 'normal', cpu: 0, body: function* () {
      yield preemptDisable();
      order.push('normal: critical');
      yield spawn({ name: 'stopper', cpu: 0, bound: true, priority: 'stop', body: function* () {
        order.push('stopper');
        yield store(cell, (yield load(cell)) + 1);
      } });
      yield work(5);
      yield preemptEnable();
      order.push('normal: after');
      yield work(5);
      order.push('normal: done');
    } });
    const result = machine.run();
    if (!result.ok) expect.fail(result.fault.message);
    // The stopper is queued while `normal` holds preemption off; it runs at the first chance,
    // before `normal` performs its next step.
    expect(order).toEqual(['normal: critical', 'normal: after', 'stopper', 'normal: done']);
  });

  test('round-robin time slices let a waiting task run on a busy CPU', () => {
    const machine = machineOf({ cpuCount: 1, schedule: 'kms1:rr:slice=5' });
    const flag = machine.alloc('flag', 1).base;
    machine.spawn({ name: 'spinner', body: function* () { while ((yield load(flag)) === 0) yield work(1); } });
    machine.spawn({ name: 'setter', body: function* () { yield store(flag, 1); } });
    const result = machine.run();
    expect(result.ok).toBe(true);
  });
});

describe('set_cpus_allowed', () => {
  test('a task that binds itself to another CPU continues there, and may be unbound again', () => {
    const cpusSeen: number[] = [];
    const machine = machineOf({ cpuCount: 3 });
    machine.spawn({ name: 'mover', cpu: 0, body: function* (self) {
      cpusSeen.push(self.cpu);
      yield setAffinity(2);
      cpusSeen.push(self.cpu);
      yield setAffinity(-1);
      yield work(1);
      cpusSeen.push(self.cpu);
    } });
    const result = machine.run();
    if (!result.ok) expect.fail(result.fault.message);
    expect(cpusSeen).toEqual([0, 2, 2]);
  });

  test('moving with preemption disabled is refused as Linux would warn', () => {
    const machine = machineOf({ cpuCount: 2 });
    machine.spawn({ name: 'mover', cpu: 0, body: function* () { yield preemptDisable(); yield setAffinity(1); } });
    const result = machine.run();
    expect(result.ok ? '' : result.fault.message).toContain('preemption or interrupts disabled');
  });
});
