import { describe, expect, test } from 'vitest';
import { MUTEX_CELLS, mutexAt, mutexLock, mutexUnlock, store, type Machine } from '@kmodsim/cpu';
import { machineOf } from './helpers.js';
import { snapshotOf } from './snapshot-helpers.js';

// A model checker rewinds the machine to a checkpoint after each execution, wherever it stopped
// (a bound cut it, or every way on was explored before). The mutex's wait list lives on the
// host; if a rewind left a task on it from a run cut while that task slept, the next unlock would
// wake that stale entry instead of the task really asleep behind it, and a sound kernel would
// look deadlocked in one run out of many.

/** Two tasks, one per CPU, each taking the mutex once to write its pid in `last`. */
function contended(): { machine: Machine; last: number; pids: number[] } {
  const machine = machineOf({ cpuCount: 2, schedule: 'kms1:rr', snapshots: true });
  const mutex = mutexAt(machine, 'config_mutex', machine.alloc('config_mutex', MUTEX_CELLS).base);
  const last = machine.alloc('last', 1).base;
  const pids = [0, 1].map((cpu) => machine.spawn({ name: `writer${cpu}`, cpu, bound: true, body: function* (self) {
      yield* mutexLock(mutex, self);
      yield store(last, self.pid);
      yield* mutexUnlock(mutex, self);
    } }));
  return { machine, last, pids };
}

/** Steps `cpu` until `pid` sleeps off its CPU, with no more than `limit` steps. */
function stepUntilAsleep(machine: Machine, cpu: number, pid: number, limit = 50): void {
  for (let made = 0; made < limit; made++) {
    const task = machine.task(pid);
    if (task?.state === 'TASK_UNINTERRUPTIBLE' && !task.onCpu) return;
    machine.perform(machine.stepChoice(cpu));
  }
  expect.fail(`pid ${pid} never slept on the mutex`);
}

describe('a mutex rewound to a snapshot', () => {
  test('a run cut while a task slept on the mutex leaves nobody on its wait list: after the rewind the other order runs to its end', () => {
    const { machine, last, pids } = contended();
    const snapshot = snapshotOf(machine);
    // CPU 0's writer takes the mutex; CPU 1's sleeps on it; the run stops there.
    machine.perform(machine.stepChoice(0));
    machine.perform(machine.stepChoice(0));
    stepUntilAsleep(machine, 1, pids[1] ?? -1);
    expect(machine.rewind(snapshot, { replayLogs: false }).ok).toBe(true);
    // Now CPU 1's writer goes first and CPU 0's sleeps behind it: its unlock must wake CPU 0's.
    machine.perform(machine.stepChoice(1));
    machine.perform(machine.stepChoice(1));
    stepUntilAsleep(machine, 0, pids[0] ?? -1);
    const run = machine.run();
    expect(run.ok ? machine.status : run.fault.message).toBe('finished');
    expect(machine.read(last)).toBe(pids[0]);
  });

  test('code still calling mutexAt(name, base), the signature before the machine kept the list, gets a message naming the new one', () => {
    const machine = machineOf({ cpuCount: 1, schedule: 'kms1:rr' });
    const oldCall = mutexAt as unknown as (name: string, base: number) => unknown;
    expect(() => oldCall('config_mutex', machine.alloc('config_mutex', MUTEX_CELLS).base)).toThrow('mutexAt("config_mutex", ...): the machine comes first now, mutexAt(machine, name, base)');
  });
});
