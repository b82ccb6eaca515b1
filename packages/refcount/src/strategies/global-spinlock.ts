import {
  alloc, free, load, schedule, setCurrentState, spinlockAt, spinlockFields, spinLockIrqsave, spinUnlockIrqrestore, store, wakeUpProcess,
  type ExecutionContext, type KernelCode, type Spinlock,
} from '@kmodsim/cpu';
import { ModuleState, type ModuleCells, type ModuleRefcount, type RefcountStrategy, type StopOutcome, type UnloadFlags } from '../strategy.js';

// The scheme the seed replaces: one count and the live flag under one spinlock. Correct and
// simple, but every get and put on every CPU takes the same lock, so the lock's cache line
// bounces between all CPUs that use the module. IRQ-safe, since references are taken from
// interrupt handlers too. 2.4's try_inc_mod_count() tested MOD_DELETED and counted under
// unload_lock the same way. The lock is the only barrier: spin_lock() acquires and spin_unlock()
// releases (Documentation/memory-barriers.txt, "Lock acquisition functions"), so everything one
// critical section did is seen by the next; no smp_*() is needed anywhere here.

const COUNT = 2;
const CELLS = 3;

class SpinlockedCount implements ModuleRefcount {
  private readonly lock: Spinlock;
  private readonly counter: number;

  constructor(private readonly base: number, private readonly cells: ModuleCells, private readonly read: (address: number) => number) {
    this.lock = spinlockAt(`${cells.name}.ref_lock`, base);
    this.counter = base + COUNT;
  }

  *tryGet(): KernelCode<boolean> {
    const flags = yield* spinLockIrqsave(this.lock);
    const live = (yield load(this.cells.live)) === 1;
    if (live) yield store(this.counter, (yield load(this.counter)) + 1);
    yield* spinUnlockIrqrestore(this.lock, flags);
    return live;
  }

  *get(): KernelCode<void> {
    const flags = yield* spinLockIrqsave(this.lock);
    yield store(this.counter, (yield load(this.counter)) + 1);
    yield* spinUnlockIrqrestore(this.lock, flags);
  }

  *put(): KernelCode<void> {
    const flags = yield* spinLockIrqsave(this.lock);
    const left = (yield load(this.counter)) - 1;
    yield store(this.counter, left);
    if ((yield load(this.cells.live)) === 0) {
      const waiter = yield load(this.cells.waiter);
      if (waiter !== 0 && left === 0) yield wakeUpProcess(waiter);
    }
    yield* spinUnlockIrqrestore(this.lock, flags);
  }

  count(): number {
    return this.read(this.counter);
  }

  *stop(self: ExecutionContext, flags: UnloadFlags): KernelCode<StopOutcome> {
    const irqFlags = yield* spinLockIrqsave(this.lock);
    const count = yield load(this.counter);
    if (count !== 0 && flags.nonblock && !flags.force) {
      yield* spinUnlockIrqrestore(this.lock, irqFlags);
      return { kind: 'busy', count };
    }
    yield store(this.cells.live, 0);
    yield store(this.cells.state, ModuleState.GOING);
    yield store(this.cells.waiter, self.pid);
    yield* spinUnlockIrqrestore(this.lock, irqFlags);
    return { kind: 'stopped', count };
  }

  *waitForZero(): KernelCode<void> {
    while (true) {
      // set_current_state() before the test, as 2.6.0 wait_for_zero_refcount: a put's wake,
      // under the lock after this test, finds the state; the lock orders the count itself.
      yield setCurrentState('TASK_UNINTERRUPTIBLE');
      const flags = yield* spinLockIrqsave(this.lock);
      const count = yield load(this.counter);
      yield* spinUnlockIrqrestore(this.lock, flags);
      if (count === 0) break;
      yield schedule();
    }
    // Linux: a plain store (__set_current_state); ordered here only for the machine (see percpu.ts).
    yield setCurrentState('TASK_RUNNING');
  }

  *beforeFree(): KernelCode<void> {
    // A put wakes the waiter while holding the lock, and the lock word is the last thing it
    // touches: taking the lock once more waits out any put still unlocking (its release pairs
    // with this acquire, so nothing it did comes after the free).
    const flags = yield* spinLockIrqsave(this.lock);
    yield* spinUnlockIrqrestore(this.lock, flags);
  }

  *release(): KernelCode<void> {
    yield free(this.base);
  }
}

export const globalSpinlock: RefcountStrategy = {
  name: 'global-spinlock',
  description: 'one count and the live flag under one IRQ-safe spinlock (the scheme the seed replaces)',
  attach: ({ machine }) => ({
    *createModule(_self, cells) {
      const base = yield alloc(`${cells.name}.refcount`, CELLS, { lineAligned: true, fields: [...spinlockFields(`${cells.name}.ref_lock`), `${cells.name}.refcount`] });
      yield store(base + COUNT, 1);
      return new SpinlockedCount(base, cells, (address) => machine.read(address));
    },
  }),
};
