import {
  atomicAdd, cpuRelax, load, localAdd, schedule, setCurrentState, spinLock, spinlockAt, spinUnlock, store, wakeUpProcess,
  type KernelCode, type Machine, type Scenario,
} from '@kmodsim/cpu';

/** Two tasks increment a counter, with or without a spinlock around the read-modify-write. */
export function counter(locked: boolean, rounds = 1): Scenario {
  return {
    name: locked ? 'locked-counter' : 'unlocked-counter',
    description: 'two tasks increment a shared counter',
    setup(machine: Machine) {
      const cell = machine.alloc('counter', 1).base;
      const lock = spinlockAt('lock', machine.alloc('lock', 2, { lineAligned: true }).base);
      for (let index = 0; index < 2; index++) {
        machine.spawn({ name: `inc${index}`, cpu: index, bound: true, body: function* () {
          for (let round = 0; round < rounds; round++) {
            if (locked) yield* spinLock(lock);
            const value = yield load(cell);
            yield store(cell, value + 1);
            if (locked) yield* spinUnlock(lock);
          }
        } });
      }
      return (m) => (m.read(cell) === 2 * rounds ? undefined : `lost update: counter is ${m.read(cell)}, expected ${2 * rounds}`);
    },
  };
}

/** A waiter and a waker; `linuxOrder` sets the task state before testing the condition. */
export function waitForFlag(linuxOrder: boolean): Scenario {
  return {
    name: linuxOrder ? 'wait-linux-order' : 'wait-check-then-set',
    description: 'a task sleeps until a flag is set and it is woken',
    setup(machine: Machine) {
      const flag = machine.alloc('flag', 1).base;
      const waiter = machine.spawn({ name: 'waiter', cpu: 0, bound: true, body: function* (): KernelCode<void> {
        if (linuxOrder) {
          for (;;) {
            yield setCurrentState('TASK_UNINTERRUPTIBLE');
            if ((yield load(flag)) === 1) break;
            yield schedule();
          }
        } else {
          while ((yield load(flag)) !== 1) {
            yield setCurrentState('TASK_UNINTERRUPTIBLE');
            yield schedule();
          }
        }
        yield setCurrentState('TASK_RUNNING');
      } });
      machine.spawn({ name: 'waker', cpu: 1, bound: true, body: function* () {
        yield store(flag, 1);
        yield wakeUpProcess(waiter);
      } });
      return undefined;
    },
  };
}

/** A task and an interrupt handler on the same CPU both add to a per-CPU counter. */
export function localCounter(flavour: 'plain' | 'local'): Scenario {
  return {
    name: `local-counter-${flavour}`,
    description: 'a task and an interrupt on its CPU add to the same counter',
    setup(machine: Machine) {
      const cell = machine.alloc('count', 1).base;
      const add = function* (): KernelCode<void> {
        if (flavour === 'local') {
          yield localAdd(cell, 1);
        } else {
          const value = yield load(cell);
          yield store(cell, value + 1);
        }
      };
      machine.spawn({ name: 'task', cpu: 0, bound: true, body: add });
      let fired = 0;
      machine.addIrqSource({ name: 'timer', cpus: [0], limit: 1, handler: function* () { fired++; yield* add(); } });
      return (m) => (m.read(cell) === 1 + fired ? undefined : `lost update: count is ${m.read(cell)} after ${1 + fired} increments`);
    },
  };
}

/** Two CPUs wait for each other through a flag nobody sets: a livelock. */
export function spinForever(): Scenario {
  return {
    name: 'spin-forever',
    description: 'a CPU spins on a flag that is never set',
    setup(machine: Machine) {
      const flag = machine.alloc('flag', 1).base;
      const other = machine.alloc('other', 1).base;
      machine.spawn({ name: 'spinner', cpu: 0, bound: true, body: function* () {
        while ((yield load(flag)) === 0) yield cpuRelax();
      } });
      machine.spawn({ name: 'busy', cpu: 1, bound: true, body: function* () { yield atomicAdd(other, 1); } });
      return undefined;
    },
  };
}
