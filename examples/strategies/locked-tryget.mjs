// A worked example of a module refcount strategy of your own: "locked-tryget".
//
// One shared count per module, and the module's `live` flag. try_module_get takes a spinlock to
// test `live` and increment in one critical section; the stop step of delete_module takes the
// same lock to read the count and clear `live`. So no try_module_get can slip in between the
// unloader's decision and the module going: that is the one race every design must close.
// __module_get and module_put never take the lock: an atomic add is enough for them (the first
// is only called by a holder, so the count cannot be zero under it; the second only ever lowers
// the count). Freeing waits for an RCU grace period, for the last put may still be reading the
// module after its decrement.
//
// Correct, simple, and slow in the way global-spinlock is on the get side only: every get on
// every CPU takes one lock. Compare it with the built-ins:
//
//   pnpm exec kmodsim-compare check --strategy ./examples/strategies/locked-tryget.mjs
//
// Every method is simulated kernel code: a generator that yields one machine operation per
// memory access, atomic, lock step, sleep or wake (the imports below build them), so the
// explorer can interleave other CPUs and interrupts between any two of them. Only the public
// exports of @kmodsim/cpu and @kmodsim/rcu are used.
import {
  alloc, atomicAdd, free, load, preemptDisable, preemptEnable, schedule, setCurrentState, spinlockAt, spinlockFields, spinLockIrqsave,
  spinUnlockIrqrestore, store, wakeUpProcess,
} from '@kmodsim/cpu';
import { createRcu } from '@kmodsim/rcu';

/** enum module_state's GOING (the module core numbers states as the kernel does). */
const GOING = 2;

// The strategy's own memory for one module: a ticket spinlock (two cells) and the count, in one
// allocation on its own cache line.
const LOCK = 0;
const COUNT = 2;
const CELLS = 3;

/**
 * One module's count. Everything it knows is either in simulated memory (the cells) or fixed
 * when it is made (addresses, the lock, the RCU service): no JavaScript variable changes while
 * it runs, so a replayed schedule gives the same run, as the explorer requires.
 */
function moduleRefcount(machine, rcu, cells, base) {
  const lock = spinlockAt(`${cells.name}.ref_lock`, base + LOCK);
  const count = base + COUNT;
  return {
    // try_module_get. May run in a task (preemptible or not) or in an interrupt handler, so the
    // lock is IRQ-safe: an interrupt on the CPU that holds it in stop() would spin for ever.
    *tryGet() {
      const flags = yield* spinLockIrqsave(lock);
      const live = (yield load(cells.live)) === 1;
      // Increment only when live: a refused get must leave the count as it found it.
      if (live) yield atomicAdd(count, 1);
      yield* spinUnlockIrqrestore(lock, flags);
      return live;
    },

    // __module_get: the caller already holds a reference, so the count is at least 1 and the
    // unloader, if any, is still waiting. No test of `live` is needed, nor the lock.
    *get() {
      yield atomicAdd(count, 1);
    },

    // module_put. May run in interrupt context and must not sleep. Preemption is off from the
    // decrement to the wake: that makes the whole put an RCU read-side section, which
    // beforeFree() waits out.
    *put() {
      yield preemptDisable();
      const left = yield atomicAdd(count, -1);
      // The decrement first, `live` after: a put that read `live` before decrementing could
      // miss an unload that began in between, and nobody would wake the unloader.
      if (left === 0 && (yield load(cells.live)) === 0) {
        const waiter = yield load(cells.waiter);
        if (waiter !== 0) yield wakeUpProcess(waiter);
      }
      yield preemptEnable();
    },

    // What lsmod shows, and what the core checks is 0 before a module's exit runs. Read by the
    // host, not simulated: it must not yield, and reads memory directly with machine.read.
    count() {
      return machine.read(count);
    },

    // The stop step of delete_module, called with module_mutex held. Under the lock no
    // try_module_get can run, so the count read here and the clearing of `live` are one decision.
    *stop(self, flags) {
      const irqFlags = yield* spinLockIrqsave(lock);
      const users = yield load(count);
      if (users !== 0 && flags.nonblock && !flags.force) {
        // O_NONBLOCK with users (and no O_TRUNC forcing): refuse, changing nothing.
        yield* spinUnlockIrqrestore(lock, irqFlags);
        return { kind: 'busy', count: users };
      }
      // The waiter before `live`: a put that sees live = 0 then finds whom to wake.
      yield store(cells.waiter, self.pid);
      yield store(cells.live, 0);
      yield store(cells.state, GOING);
      yield* spinUnlockIrqrestore(lock, irqFlags);
      // `users` may be stale by now (puts do not take the lock), but only ever too high: a
      // count that fell to zero meanwhile is seen at once by waitForZero.
      return { kind: 'stopped', count: users };
    },

    // rmmod --wait, and the wait after a failed init (called then without stop()). Linux's
    // order: set the task state first, then test, then sleep. A put that makes the count zero
    // between the test and schedule() finds the task already marked sleeping, and its wake
    // makes schedule() return.
    *waitForZero() {
      for (;;) {
        yield setCurrentState('TASK_UNINTERRUPTIBLE');
        if ((yield load(count)) === 0) break;
        yield schedule();
      }
      yield setCurrentState('TASK_RUNNING');
    },

    // The count is zero, but the last put may still be between its decrement and its wake,
    // reading `live` and `waiter` in the module's struct. Puts run with preemption off, so once
    // every CPU has passed a quiescent state (an RCU grace period), none is inside one.
    *beforeFree(self) {
      yield* rcu.synchronize(self);
    },

    // The strategy's own memory goes; the core frees the module's struct and code after.
    *release() {
      yield free(base);
    },
  };
}

export default {
  name: 'locked-tryget',
  description: 'one atomic count; try_module_get and the unload decision under one IRQ-safe spinlock, lock-free __module_get and module_put, RCU before free',
  // No knownViolations: every checked scenario should be CLEAN (forced-unload-in-use is the
  // scenario's own EXPECTED oops, which every design shows).
  attach({ machine }) {
    // Per-machine services are made here, once: this machine's RCU.
    const rcu = createRcu(machine);
    return {
      // Called by the loading task when a module is formed. The count starts at 1: the loader's
      // reference, which the core drops with a put once init has run (or failed).
      *createModule(_self, cells) {
        // The cells' names are what a counterexample shows (`demo_chardev.ref_lock.owner`).
        const fields = [...spinlockFields(`${cells.name}.ref_lock`), `${cells.name}.refcount`];
        const base = yield alloc(`${cells.name}.refcount`, CELLS, { lineAligned: true, fields });
        yield store(base + COUNT, 1);
        return moduleRefcount(machine, rcu, cells, base);
      },
    };
  },
};
