import {
  alloc, atomicAdd, atomicInc, check, free, load, preemptDisable, preemptEnable, schedule, setCurrentState, store, wakeUpProcess,
  type ExecutionContext, type KernelCode,
} from '@kmodsim/cpu';
import { createRcu, type Rcu } from '@kmodsim/rcu';
import { atomicAddIf } from './atomic-ops.js';
import { ModuleState, type ModuleCells, type ModuleRefcount, type RefcountStrategy, type StopOutcome, type UnloadFlags } from '../strategy.js';

// The seed's unload protocol (stop new gets, `rmmod --wait` until the last put, `-f`) on one
// shared atomic counter instead of per-CPU local_t, and without stop_machine: the counter holds
// the users plus a GOING bit, so "is it live?" and "take a reference" are one cmpxchg, and
// unload sets the bit with a cmpxchg that sees the exact number of users at that instant. Every
// get and put of every CPU writes the same cache line: this is the design to measure the seed's
// per-CPU counters against. A put that drops the last user of a going module wakes the waiter
// after its decrement, so freeing waits for an RCU grace period (puts run with preemption off).
// Barriers as Linux's atomics give them (Documentation/atomic_t.txt): cmpxchg and the
// value-returning atomic_add_return are fully ordered, atomic_inc is not. The machine's atomics
// are all locked (fully ordered, as on x86); a relaxed model will need an unordered atomic_inc.

/**
 * Added once unload has begun: no get succeeds after. The users are the value less it, signed,
 * so one put too many reads as -1 going or not (the core's underflow check sees it).
 */
const GOING_BIT = 2 ** 30;

function isGoing(value: number): boolean {
  return value >= GOING_BIT / 2;
}

function usersOf(value: number): number {
  return isGoing(value) ? value - GOING_BIT : value;
}

class SharedAtomicCount implements ModuleRefcount {
  constructor(
    private readonly counter: number,
    private readonly cells: ModuleCells,
    private readonly rcu: Rcu,
    private readonly read: (address: number) => number,
  ) {}

  *tryGet(): KernelCode<boolean> {
    yield preemptDisable();
    // The cmpxchg decides, against the GOING bit in the same word, and is fully ordered when it
    // succeeds (atomic_t.txt); the live load before it is only the seed's early refusal.
    const got = (yield load(this.cells.live)) === 1 && (yield* atomicAddIf(this.counter, 1, (value) => !isGoing(value))).added;
    yield preemptEnable();
    return got;
  }

  *get(): KernelCode<void> {
    // The caller holds a reference, so the module cannot reach zero users under it. atomic_inc()
    // is unordered in Linux and needs no order: nothing here depends on seeing it early.
    yield atomicInc(this.counter);
  }

  *put(): KernelCode<void> {
    yield preemptDisable();
    // atomic_dec_return(): fully ordered, so the loads of live and the waiter below follow it.
    const after = yield atomicAdd(this.counter, -1);
    // The last user of a module that is going (unloaded, or whose init failed) wakes the waiter.
    if (usersOf(after) === 0 && (isGoing(after) || (yield load(this.cells.live)) === 0)) {
      const waiter = yield load(this.cells.waiter);
      if (waiter !== 0) yield wakeUpProcess(waiter);
    }
    yield preemptEnable();
  }

  count(): number {
    return usersOf(this.read(this.counter));
  }

  *stop(self: ExecutionContext, flags: UnloadFlags): KernelCode<StopOutcome> {
    // The waiter is known before the bit is set: the put that drops the last user reads it. The
    // cmpxchg that sets the bit is fully ordered, so it publishes this store with the bit (as
    // 3.x's delete_module set the waiter before the state).
    yield store(this.cells.waiter, self.pid);
    const refuseUsers = flags.nonblock && !flags.force;
    const { added, value } = yield* atomicAddIf(this.counter, GOING_BIT, (users) => !isGoing(users) && !(refuseUsers && users !== 0));
    if (isGoing(value)) yield check(false, `BUG: ${this.cells.name}: unload of a module already going`);
    if (!added) {
      yield store(this.cells.waiter, 0);
      return { kind: 'busy', count: value };
    }
    yield store(this.cells.live, 0);
    yield store(this.cells.state, ModuleState.GOING);
    return { kind: 'stopped', count: value };
  }

  *waitForZero(): KernelCode<void> {
    for (;;) {
      // set_current_state() (smp_store_mb) before the load, pairing with the last put's fully
      // ordered decrement and its wake: one of them sees the other.
      yield setCurrentState('TASK_UNINTERRUPTIBLE');
      if (usersOf(yield load(this.counter)) === 0) break;
      yield schedule();
    }
    // Linux: a plain store (__set_current_state); ordered here only for the machine (see percpu.ts).
    yield setCurrentState('TASK_RUNNING');
  }

  *beforeFree(self: ExecutionContext): KernelCode<void> {
    // The last put may still be between its decrement and its wake, with preemption off: a grace
    // period, as today's free_module() calls synchronize_rcu().
    yield* this.rcu.synchronize(self);
  }

  *release(): KernelCode<void> {
    yield free(this.counter);
  }
}

export const globalAtomic: RefcountStrategy = {
  name: 'global-atomic',
  description: 'one shared atomic counter with a GOING bit: cmpxchg to get while not going, rmmod --wait woken by the last put, no stop_machine',
  attach: ({ machine }) => {
    const rcu = createRcu(machine);
    return {
      *createModule(_self, cells) {
        const counter = yield alloc(`${cells.name}.count`, 1, { lineAligned: true });
        // The loader's reference, held during init.
        yield store(counter, 1);
        return new SharedAtomicCount(counter, cells, rcu, (address) => machine.read(address));
      },
    };
  },
};
