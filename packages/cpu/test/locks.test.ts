import { describe, expect, test } from 'vitest';
import {
  atomicAdd, check, load, MUTEX_CELLS, mutexAt, mutexLock, mutexUnlock, runScenario, setCurrentState, spinLock, spinlockAt, spinUnlock, store, work,
  type Machine, type Scenario,
} from '@kmodsim/cpu';

// Each worker increments a shared counter with a plain load and store inside the lock, and
// counts itself in and out of the critical section with atomics: if two were ever inside at
// once, the check inside fails; if any update were lost, the final count is short.
function lockedCounter(kind: 'spinlock' | 'mutex', workers: number, rounds: number): Scenario {
  return {
    name: `${kind}-counter`,
    description: `${workers} tasks increment a counter under a ${kind}`,
    setup(machine: Machine) {
      const counter = machine.alloc('counter', 1).base;
      const inside = machine.alloc('inside', 1, { lineAligned: true }).base;
      const lockBase = machine.alloc('lock', MUTEX_CELLS, { lineAligned: true }).base;
      const spin = spinlockAt('lock', lockBase);
      const mutex = mutexAt(machine, 'lock', lockBase);
      for (let index = 0; index < workers; index++) {
        machine.spawn({
          name: `worker${index}`,
          body: function* (self) {
            for (let round = 0; round < rounds; round++) {
              if (kind === 'spinlock') yield* spinLock(spin);
              else yield* mutexLock(mutex, self);
              const holders = yield atomicAdd(inside, 1);
              yield check(holders === 1, `${holders} tasks inside the critical section at once`);
              const value = yield load(counter);
              yield work(3);
              yield store(counter, value + 1);
              yield atomicAdd(inside, -1);
              if (kind === 'spinlock') yield* spinUnlock(spin);
              else yield* mutexUnlock(mutex, self);
            }
          },
        });
      }
      const expected = workers * rounds;
      return (m) => (m.read(counter) === expected ? undefined : `lost updates: counter is ${m.read(counter)}, expected ${expected}`);
    },
  };
}

describe('locks', () => {
  test('a spinlock excludes under thousands of random schedules with preemption and migration', () => {
    for (let seed = 0; seed < 2000; seed++) {
      const run = runScenario(lockedCounter('spinlock', 3, 3), { cpuCount: 2, schedule: `kms1:random:${seed}:preempt=0.1` });
      if (!run.ok) expect.fail(run.message);
      expect(run.value.fault, `seed ${seed}: ${run.value.fault?.message ?? ''}`).toBeUndefined();
    }
  });

  test('a mutex excludes and its sleepers are always woken, under random schedules', () => {
    let slept = 0;
    for (let seed = 0; seed < 1000; seed++) {
      const run = runScenario(lockedCounter('mutex', 3, 3), { cpuCount: 2, schedule: `kms1:random:${seed}:preempt=0.1`, trace: seed < 50 });
      if (!run.ok) expect.fail(run.message);
      expect(run.value.fault, `seed ${seed}: ${run.value.fault?.message ?? ''}`).toBeUndefined();
      if (run.value.trace.some((event) => event.detail.includes('prev_state=D'))) slept++;
    }
    expect(slept).toBeGreaterThan(0);
  });

  test('mutex_lock from an interrupt handler is a sleeping function called from invalid context, even with the mutex free', () => {
    const scenario: Scenario = {
      name: 'mutex-in-irq',
      description: 'an interrupt handler takes a mutex',
      setup(machine: Machine) {
        const mutex = mutexAt(machine, 'config_mutex', machine.alloc('config_mutex', MUTEX_CELLS).base);
        machine.spawn({ name: 'idler', cpu: 0, body: function* () { yield work(50); } });
        machine.addIrqSource({ name: 'nic', limit: 1, handler: function* (self) {
          yield* mutexLock(mutex, self);
          yield* mutexUnlock(mutex, self);
        } });
        return undefined;
      },
    };
    const run = runScenario(scenario, { cpuCount: 1, schedule: 'kms1:list:0,i0.0,0*3' });
    if (!run.ok) expect.fail(run.message);
    expect(run.value.fault?.message).toMatch(/^BUG: sleeping function called from invalid context at kernel\/locking\/mutex\.c \(mutex_lock\) \(called from interrupt context\)/);
  });

  test('mutex_lock after set_current_state() warns as __might_sleep does: the sleep would lose the wakeup the task waits for', () => {
    const scenario: Scenario = {
      name: 'mutex-while-sleeping',
      description: 'a task sets itself to sleep and then takes a mutex before calling schedule()',
      setup(machine: Machine) {
        const mutex = mutexAt(machine, 'config_mutex', machine.alloc('config_mutex', MUTEX_CELLS).base);
        machine.spawn({ name: 'waiter', cpu: 0, body: function* (self) {
          yield setCurrentState('TASK_UNINTERRUPTIBLE');
          yield* mutexLock(mutex, self);
          yield* mutexUnlock(mutex, self);
        } });
        return undefined;
      },
    };
    const run = runScenario(scenario, { cpuCount: 1, schedule: 'kms1:list:0*4' });
    if (!run.ok) expect.fail(run.message);
    expect(run.value.fault?.message).toMatch(/^WARNING: do not call blocking ops when !TASK_RUNNING; state=TASK_UNINTERRUPTIBLE at kernel\/locking\/mutex\.c \(mutex_lock\)/);
  });

  test('without the lock the same counter loses updates, so the checks above can fail', () => {
    const unlocked: Scenario = {
      name: 'unlocked-counter',
      description: 'the counter without its lock',
      setup(machine) {
        const counter = machine.alloc('counter', 1).base;
        for (let index = 0; index < 2; index++) {
          machine.spawn({ name: `worker${index}`, body: function* () {
            const value = yield load(counter);
            yield store(counter, value + 1);
          } });
        }
        return (m) => (m.read(counter) === 2 ? undefined : `lost updates: counter is ${m.read(counter)}`);
      },
    };
    const run = runScenario(unlocked, { cpuCount: 2 });
    if (!run.ok) expect.fail(run.message);
    expect(run.value.fault?.kind).toBe('assertion');
    expect(run.value.fault?.message).toBe('lost updates: counter is 1');
  });
});
