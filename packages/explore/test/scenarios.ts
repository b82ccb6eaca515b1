import {
  atomicAdd, cpuRelax, free, keptValue, load, localAdd, rest, schedule, scheduleTimeout, setCurrentState, spinLock, spinlockAt, spinUnlock, store, wakeUpProcess, xchg,
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
      // Counted on the host as the handler runs, so handed to the machine: a checkpoint puts it back.
      const fired = keptValue(machine, 'interrupts fired', 0);
      machine.addIrqSource({ name: 'timer', cpus: [0], limit: 1, handler: function* () { fired.value++; yield* add(); } });
      return (m) => (m.read(cell) === 1 + fired.value ? undefined : `lost update: count is ${m.read(cell)} after ${1 + fired.value} increments`);
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

/**
 * A CPU spins on a flag while a device interrupt may arrive. With `handlerSets` its handler sets
 * the flag (a driver polling for its interrupt); without, the handler only counts, so nothing
 * can end the spin: a livelock, whatever the bound on interrupts.
 */
export function spinUnderInterrupts(handlerSets: boolean): Scenario {
  return {
    name: `spin-under-interrupts-${handlerSets ? 'handler-sets' : 'handler-counts'}`,
    description: 'a CPU spins on a flag that only an interrupt handler might set',
    setup(machine: Machine) {
      const flag = machine.alloc('flag', 1, { lineAligned: true }).base;
      const seen = machine.alloc('interrupts seen', 1, { lineAligned: true }).base;
      machine.spawn({ name: 'poller', cpu: 0, bound: true, body: function* () {
        while ((yield load(flag)) === 0) yield cpuRelax();
      } });
      machine.addIrqSource({ name: 'device', handler: function* () {
        yield atomicAdd(seen, 1);
        if (handlerSets) yield store(flag, 1);
      } });
      return undefined;
    },
  };
}

/**
 * A test-and-set lock taken in a loop of xchg() and cpu_relax(), as a trylock spin does. The lock
 * starts held; with `released` another CPU drops it, else nobody does (a livelock).
 */
export function testAndSetSpin(released: boolean): Scenario {
  return {
    name: `test-and-set-spin-${released ? 'released' : 'held-forever'}`,
    description: 'a CPU spins taking a test-and-set lock another CPU holds',
    setup(machine: Machine) {
      const lock = machine.alloc('lock', 1, { lineAligned: true }).base;
      const work = machine.alloc('work', 1, { lineAligned: true }).base;
      machine.write(lock, 1);
      machine.spawn({ name: 'taker', cpu: 0, bound: true, body: function* () {
        while ((yield xchg(lock, 1)) === 1) yield cpuRelax();
      } });
      machine.spawn({ name: 'holder', cpu: 1, bound: true, body: function* () {
        yield atomicAdd(work, 1);
        if (released) yield store(lock, 0);
      } });
      return undefined;
    },
  };
}

/**
 * A CPU spins on a flag that a task on the other CPU sets after a timed sleep: time passes while
 * it spins, and the flag comes. With `freeFirst` the sleeper frees an object before it sets the
 * flag, and the spinner then uses it: a use after free found only past the timer.
 */
export function spinUntilTimer(freeFirst: boolean): Scenario {
  return {
    name: `spin-until-timer${freeFirst ? '-use-after-free' : ''}`,
    description: 'a CPU spins on a flag a task sets after schedule_timeout()',
    setup(machine: Machine) {
      const flag = machine.alloc('flag', 1, { lineAligned: true }).base;
      const object = machine.alloc('object', 1, { lineAligned: true }).base;
      machine.spawn({ name: 'spinner', cpu: 0, bound: true, body: function* () {
        while ((yield load(flag)) === 0) yield cpuRelax();
        yield load(object);
      } });
      machine.spawn({ name: 'sleeper', cpu: 1, bound: true, body: function* () {
        yield setCurrentState('TASK_UNINTERRUPTIBLE');
        yield scheduleTimeout(5000);
        if (freeFirst) yield free(object);
        yield store(flag, 1);
      } });
      return (m) => (m.read(flag) === 1 ? undefined : 'the flag was never set');
    },
  };
}

/** A CPU polls a flag nobody sets, but gives up after `rounds` rounds (a counter the spin watch cannot see). */
export function boundedPoll(rounds: number): Scenario {
  return {
    name: `bounded-poll-${rounds}`,
    description: 'a CPU polls a flag for a while, then gives up',
    setup(machine: Machine) {
      const flag = machine.alloc('flag', 1, { lineAligned: true }).base;
      const gaveUp = machine.alloc('gave up', 1, { lineAligned: true }).base;
      machine.spawn({ name: 'poller', cpu: 0, bound: true, body: function* () {
        for (let round = 0; round < rounds && (yield load(flag)) === 0; round++) yield cpuRelax();
        yield store(gaveUp, 1);
      } });
      return undefined;
    },
  };
}

/**
 * A handshake: CPU 0 spins until CPU 1 sets `go`, then answers; CPU 1 waits for the answer. CPU 1
 * may set `go` between CPU 0's read and its cpu_relax(), which is no reason for CPU 0 to wait.
 */
export function handshake(): Scenario {
  return {
    name: 'handshake',
    description: 'two CPUs spin on each other in turn',
    setup(machine: Machine) {
      const go = machine.alloc('go', 1, { lineAligned: true }).base;
      const answer = machine.alloc('answer', 1, { lineAligned: true }).base;
      machine.spawn({ name: 'waiter', cpu: 0, bound: true, body: function* () {
        while ((yield load(go)) === 0) yield cpuRelax();
        yield store(answer, 1);
      } });
      machine.spawn({ name: 'starter', cpu: 1, bound: true, body: function* () {
        yield store(go, 1);
        while ((yield load(answer)) === 0) yield cpuRelax();
      } });
      return undefined;
    },
  };
}

/** As 2.6.0's stop_refcounts waits for its threads: a yield loop (schedule() while running) until a flag is set. */
export function yieldLoop(): Scenario {
  return {
    name: 'yield-loop',
    description: 'a CPU yields in a loop until another sets a flag',
    setup(machine: Machine) {
      const flag = machine.alloc('flag', 1, { lineAligned: true }).base;
      machine.spawn({ name: 'yielder', cpu: 0, bound: true, body: function* () {
        while ((yield load(flag)) === 0) yield schedule();
      } });
      machine.spawn({ name: 'setter', cpu: 1, bound: true, body: function* () {
        yield atomicAdd(flag, 1);
      } });
      return undefined;
    },
  };
}

/** One CPU: a task spins (preemptible) on a flag that only a task queued behind it on the same CPU sets. */
export function spinBehindQueued(): Scenario {
  return {
    name: 'spin-behind-queued',
    description: 'a spinning task needs to be preempted for the task that releases it to run',
    setup(machine: Machine) {
      const flag = machine.alloc('flag', 1).base;
      machine.spawn({ name: 'spinner', cpu: 0, bound: true, body: function* () {
        while ((yield load(flag)) === 0) yield cpuRelax();
      } });
      machine.spawn({ name: 'setter', cpu: 0, bound: true, body: function* () { yield store(flag, 1); } });
      return undefined;
    },
  };
}

/** Two tasks each do private work on their own cache line, then both add to one shared counter unlocked. */
export function privateThenShared(privateSteps: number): Scenario {
  return {
    name: 'private-then-shared',
    description: 'independent work, then a racy shared update',
    setup(machine: Machine) {
      const shared = machine.alloc('shared', 1, { lineAligned: true }).base;
      for (let index = 0; index < 2; index++) {
        const own = machine.alloc(`own${index}`, 1, { lineAligned: true }).base;
        machine.spawn({ name: `worker${index}`, cpu: index, bound: true, body: function* () {
          for (let step = 0; step < privateSteps; step++) yield store(own, step + 1);
          const value = yield load(shared);
          yield store(shared, value + 1);
        } });
      }
      return (m) => (m.read(shared) === 2 ? undefined : `lost update: shared is ${m.read(shared)}`);
    },
  };
}

/**
 * A task on each CPU goes through the motions of a wait whose condition already holds: it sets
 * its own state, tests its own flag and sets itself running again. The tasks share nothing.
 */
export function privateWaits(rounds: number): Scenario {
  return {
    name: 'private-waits',
    description: 'two tasks each set their own state around a test of their own flag',
    setup(machine: Machine) {
      for (let index = 0; index < 2; index++) {
        const flag = machine.alloc(`flag${index}`, 1).base;
        machine.write(flag, 1);
        machine.spawn({ name: `waiter${index}`, cpu: index, bound: true, body: function* (): KernelCode<void> {
          for (let round = 0; round < rounds; round++) {
            yield setCurrentState('TASK_UNINTERRUPTIBLE');
            if ((yield load(flag)) !== 1) yield schedule();
            yield setCurrentState('TASK_RUNNING');
          }
        } });
      }
      return undefined;
    },
  };
}

/**
 * On CPU 0 a task sleeps and another task bound there wakes it; on CPU 1 a task reads its own
 * cell. The wake puts the sleeper on CPU 0's run queue only: nothing CPU 1 does depends on it.
 */
export function wakeOnOwnCpu(loads: number): Scenario {
  return {
    name: 'wake-on-own-cpu',
    description: 'a sleep and a wake on CPU 0 next to private loads on CPU 1',
    setup(machine: Machine) {
      const flag = machine.alloc('flag', 1).base;
      const own = machine.alloc('own', 1).base;
      const sleeper = machine.spawn({ name: 'sleeper', cpu: 0, bound: true, body: function* (): KernelCode<void> {
        for (;;) {
          yield setCurrentState('TASK_UNINTERRUPTIBLE');
          if ((yield load(flag)) === 1) break;
          yield schedule();
        }
        yield setCurrentState('TASK_RUNNING');
      } });
      machine.spawn({ name: 'waker', cpu: 0, bound: true, body: function* () {
        yield store(flag, 1);
        yield wakeUpProcess(sleeper);
      } });
      machine.spawn({ name: 'reader', cpu: 1, bound: true, body: function* () {
        for (let index = 0; index < loads; index++) yield load(own);
      } });
      return undefined;
    },
  };
}

/**
 * A kernel thread (a daemon: the run may end with it still pending) reads an object that the
 * only ordinary task frees just before it exits. The read lands after the free only if the
 * thread runs between the free and the exit.
 */
export function daemonAfterFree(): Scenario {
  return {
    name: 'daemon-after-free',
    description: 'a kthread reads an object the last task frees before exiting',
    setup(machine: Machine) {
      const object = machine.alloc('object', 1).base;
      machine.spawn({ name: 'kthread', cpu: 1, bound: true, daemon: true, body: function* () { yield load(object); } });
      machine.spawn({ name: 'owner', cpu: 0, bound: true, body: function* () { yield free(object); } });
      return undefined;
    },
  };
}

/** How a sleep with a timeout ended, as `timerOrWake` records it. */
export const SLEEP_END = { neverSlept: 3, wokenInTime: 1, timedOut: 2 } as const;

/**
 * A task sleeps with a short timeout on CPU 0; a task on CPU 2 wakes it; a task on CPU 1 reads
 * its own cell, and the step of those reads that carries CPU 1's clock past the expiry fires the
 * timer. Three endings: the wake before the sleep, the wake during it, the timer first.
 */
export function timerOrWake(reads: number, timeoutCycles: number): Scenario {
  return {
    name: 'timer-or-wake',
    description: 'a wake races a schedule_timeout() timer that another CPU\'s clock fires',
    setup(machine: Machine) {
      const ending = machine.alloc('ending', 1).base;
      const own = machine.alloc('own', 1, { lineAligned: true }).base;
      const sleeper = machine.spawn({ name: 'sleeper', cpu: 0, bound: true, body: function* (): KernelCode<void> {
        yield setCurrentState('TASK_INTERRUPTIBLE');
        const leftCycles: number = yield scheduleTimeout(timeoutCycles);
        const end = leftCycles === timeoutCycles ? SLEEP_END.neverSlept : leftCycles > 0 ? SLEEP_END.wokenInTime : SLEEP_END.timedOut;
        yield store(ending, end);
      } });
      machine.spawn({ name: 'reader', cpu: 1, bound: true, body: function* () {
        for (let index = 0; index < reads; index++) yield load(own);
      } });
      machine.spawn({ name: 'waker', cpu: 2, bound: true, body: function* () { yield wakeUpProcess(sleeper); } });
      return (m) => `ending ${m.read(ending)}`;
    },
  };
}

/** Two kthreads that go round their loops for ever (each round writes a cell and puts it back): their states repeat, and nothing ends. */
export function endlessKthreads(): Scenario {
  return {
    name: 'endless-kthreads',
    description: 'two kthreads that never end',
    setup(machine: Machine) {
      const flag = machine.alloc('flag', 1).base;
      const scratch = machine.alloc('scratch', 2).base;
      for (let cpu = 0; cpu < 2; cpu++) {
        machine.spawn({ name: `k${cpu}`, cpu, bound: true, body: function* (): KernelCode<void> {
          for (;;) {
            yield rest();
            if ((yield load(flag)) === 1) return;
            yield store(scratch + cpu, 1);
            yield store(scratch + cpu, 0);
          }
        } });
      }
      return undefined;
    },
  };
}
