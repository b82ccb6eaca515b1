// A deliberately broken strategy, and how to declare what is known to be wrong with it.
//
// It is locked-tryget.mjs (read that first) with one change: try_module_get increments before
// it tests `live`, and when the module is going it returns false without giving the increment
// back. A refused get leaks a reference, so once an unload has begun the count can never return
// to zero: `rmmod --wait` sleeps for ever.
//
// `knownViolations` declares that, scenario by scenario. `kmodsim-compare check` then reports
// the declared violation as EXPECTED (exit 0) instead of VIOLATION (exit 1), and fails with
// MISSED if the search no longer finds it:
//
//   pnpm exec kmodsim-compare check --strategy ./examples/strategies/leaky-tryget.mjs
import {
  alloc, atomicAdd, free, load, preemptDisable, preemptEnable, schedule, setCurrentState, spinlockAt, spinlockFields, spinLockIrqsave,
  spinUnlockIrqrestore, store, wakeUpProcess,
} from '@kmodsim/cpu';
import { createRcu } from '@kmodsim/rcu';

const GOING = 2;
const COUNT = 2;
const CELLS = 3;

function moduleRefcount(machine, rcu, cells, base) {
  const lock = spinlockAt(`${cells.name}.ref_lock`, base);
  const count = base + COUNT;
  return {
    *tryGet() {
      const flags = yield* spinLockIrqsave(lock);
      // THE BUG: the increment comes first, and a refused get forgets to undo it.
      yield atomicAdd(count, 1);
      const live = (yield load(cells.live)) === 1;
      yield* spinUnlockIrqrestore(lock, flags);
      return live;
    },
    *get() {
      yield atomicAdd(count, 1);
    },
    *put() {
      yield preemptDisable();
      const left = yield atomicAdd(count, -1);
      if (left === 0 && (yield load(cells.live)) === 0) {
        const waiter = yield load(cells.waiter);
        if (waiter !== 0) yield wakeUpProcess(waiter);
      }
      yield preemptEnable();
    },
    count() {
      return machine.read(count);
    },
    *stop(self, flags) {
      const irqFlags = yield* spinLockIrqsave(lock);
      const users = yield load(count);
      if (users !== 0 && flags.nonblock && !flags.force) {
        yield* spinUnlockIrqrestore(lock, irqFlags);
        return { kind: 'busy', count: users };
      }
      yield store(cells.waiter, self.pid);
      yield store(cells.live, 0);
      yield store(cells.state, GOING);
      yield* spinUnlockIrqrestore(lock, irqFlags);
      return { kind: 'stopped', count: users };
    },
    *waitForZero() {
      for (;;) {
        yield setCurrentState('TASK_UNINTERRUPTIBLE');
        if ((yield load(count)) === 0) break;
        yield schedule();
      }
      yield setCurrentState('TASK_RUNNING');
    },
    *beforeFree(self) {
      yield* rcu.synchronize(self);
    },
    *release() {
      yield free(base);
    },
  };
}

export default {
  name: 'leaky-tryget',
  description: 'locked-tryget whose refused try_module_get keeps its increment',
  flaw: 'a refused try_module_get leaks a reference: the count of a going module never returns to zero',
  // Each entry: the catalogue scenario that shows the bug, the violation kinds the search may
  // report it as (its first violation must be one of them), and why, for the reader.
  // A leak after the unload decided the count was zero shows as the core's own check when the
  // module's exit runs (an assertion); one while rmmod --wait sleeps, as a task never woken.
  knownViolations: [
    {
      scenario: 'misc-open-vs-unload',
      kinds: ['assertion'],
      why: 'an open refused after the unload read a zero count leaks a reference: the exit runs while the count says 1',
    },
    {
      scenario: 'migrate-put',
      kinds: ['assertion', 'sleeps-forever'],
      why: 'an open refused once the unload began leaks a reference: the exit runs with it held, or rmmod --wait is never woken',
    },
    {
      scenario: 'refused-open-while-waiting',
      kinds: ['sleeps-forever'],
      why: 'the refused second open leaks a reference, so the last close leaves the count at 1 and rmmod --wait is never woken',
    },
    {
      scenario: 'open-during-forced-wait',
      kinds: ['sleeps-forever'],
      why: 'the open refused while rmmod --wait sleeps leaks a reference, so the count never returns to zero and the unloader is never woken',
    },
    {
      scenario: 'transfer-completion-vs-wait',
      kinds: ['sleeps-forever'],
      why: 'the second open, refused once the module is going, leaks a reference, so rmmod --wait is never woken',
    },
    {
      scenario: 'module-address-vs-unload',
      kinds: ['assertion'],
      why: 'a lookup by address refused once the unload began leaks a reference: the exit runs while the count says 1',
    },
    {
      scenario: 'refused-load-while-needed-goes',
      kinds: ['sleeps-forever'],
      why: 'a load refused because the module it needs is going leaks a reference on that module, so its rmmod --wait is never woken',
    },
    {
      scenario: 'notifiers-during-init',
      kinds: ['invariant'],
      why: 'a get refused while the module is still coming leaks a reference: once every user is gone the count is still 1',
    },
  ],
  attach({ machine }) {
    const rcu = createRcu(machine);
    return {
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
