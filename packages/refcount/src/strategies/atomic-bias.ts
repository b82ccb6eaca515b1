import {
  alloc, atomicAdd, atomicInc, check, free, load, preemptDisable, preemptEnable, scheduleTimeout, setCurrentState, store,
  type ExecutionContext, type KernelCode,
} from '@kmodsim/cpu';
import { createRcu, type Rcu } from '@kmodsim/rcu';
import { ModuleState, type ModuleCells, type ModuleRefcount, type RefcountStrategy, type StopOutcome, type UnloadFlags } from '../strategy.js';
import { atomicAddUnless, atomicDecIfPositive, atomicIncNotZero } from './atomic-ops.js';

// Today's Linux (kernel/module/main.c since 4.0, "module: Remove stop_machine from module
// unloading"): one atomic_t holding the users plus a base of 1. try_module_get increments it
// only while it is not zero; unload subtracts the base and, if users remain, puts the base back
// unless the count reached zero in the meantime. Once it is zero no get can succeed, with no
// stop_machine at all. There is no waiting for users: a busy module is refused (EWOULDBLOCK)
// whatever O_NONBLOCK says, or forced. Every get and put hits the same cache line, which is
// what the seed's per-CPU counters avoided; free_module waits for an RCU grace period, which
// covers a module_put still inside its preempt-off section. Barriers are the atomics' own
// (kernel/module/main.c, Documentation/atomic_t.txt): atomic_inc_not_zero, atomic_dec_if_positive,
// atomic_sub_return and a successful atomic_add_unless are fully ordered; __module_get's atomic_inc
// is not. The state stores after the release carry no barrier: the count at 0 is what refuses gets.
// The preempt-off sections are 4.0's; the stored torvalds/linux main.c has none (RCU protects the
// module in tracing instead).

const MODULE_REF_BASE = 1;
/** How long a waiter for a forced module's users sleeps between looks, in cycles (about a jiffy at 2 GHz / HZ=1000 is 2M; kept short). */
const POLL_CYCLES = 20_000;

class BiasedCount implements ModuleRefcount {
  constructor(
    private readonly refcnt: number,
    private readonly cells: ModuleCells,
    private readonly rcu: Rcu,
    private readonly read: (address: number) => number,
  ) {}

  *tryGet(): KernelCode<boolean> {
    yield preemptDisable();
    const got = (yield load(this.cells.live)) === 1 && (yield* atomicIncNotZero(this.refcnt));
    yield preemptEnable();
    return got;
  }

  *get(): KernelCode<void> {
    yield preemptDisable();
    // __module_get(): atomic_inc(), unordered, as in Linux.
    yield atomicInc(this.refcnt);
    yield preemptEnable();
  }

  *put(): KernelCode<void> {
    yield preemptDisable();
    const left = yield* atomicDecIfPositive(this.refcnt);
    if (left < 0) yield check(false, `WARNING: module_put: ${this.cells.name} refcount would go below zero`);
    // trace_module_put() reads the module after the decrement: this is what the preempt-off
    // section (and free_module's synchronize_rcu()) protects, once the count may have fallen to
    // the base and an unload on another CPU gone ahead.
    yield load(this.cells.state);
    yield preemptEnable();
  }

  /**
   * module_refcount(): the count less its base; 0, not -1, once the base is taken (by unload, or
   * in the instant try_release_module_ref() holds it before putting it back).
   */
  count(): number {
    const value = this.read(this.refcnt);
    return value === 0 ? 0 : value - MODULE_REF_BASE;
  }

  /** try_release_module_ref(): 0 when no user is left and no get can succeed any more. */
  private *tryReleaseModuleRef(): KernelCode<number> {
    const left = yield atomicAdd(this.refcnt, -MODULE_REF_BASE);
    if (left < 0) yield check(false, `BUG: ${this.cells.name}: refcount below its base`);
    if (left === 0) return 0;
    // Someone may put right now: put the base back only if the count did not reach zero.
    return (yield* atomicAddUnless(this.refcnt, MODULE_REF_BASE, 0)) ? left : 0;
  }

  *stop(self: ExecutionContext, flags: UnloadFlags): KernelCode<StopOutcome> {
    const users = yield* this.tryReleaseModuleRef();
    if (users !== 0 && !flags.force) return { kind: 'busy', count: users };
    yield store(this.cells.live, 0);
    yield store(this.cells.state, ModuleState.GOING);
    yield store(this.cells.waiter, self.pid);
    return { kind: 'stopped', count: users };
  }

  *waitForZero(): KernelCode<void> {
    // No pairing with puts (none wakes), so no barrier matters: each look is a fresh load after a
    // sleep, and schedule() orders as a full barrier. Only a forced unload that chose to wait gets here (busy modules are refused); module_put
    // wakes no one in this design, so look again after a short sleep, as modprobe -r --wait does.
    while ((yield load(this.refcnt)) > MODULE_REF_BASE) {
      yield setCurrentState('TASK_UNINTERRUPTIBLE');
      yield scheduleTimeout(POLL_CYCLES);
    }
  }

  *beforeFree(self: ExecutionContext): KernelCode<void> {
    // free_module()'s synchronize_rcu(): a module_put that has decremented may still be between
    // its atomic and its preempt_enable().
    yield* this.rcu.synchronize(self);
  }

  *release(): KernelCode<void> {
    yield free(this.refcnt);
  }
}

export const atomicBias: RefcountStrategy = {
  name: 'atomic-bias',
  waitsForUsers: false,
  description: "today's Linux: one atomic_t with a base of 1, atomic_inc_not_zero to get, no stop_machine, no --wait",
  attach: ({ machine }) => {
    const rcu = createRcu(machine);
    return {
      *createModule(_self, cells) {
        const refcnt = yield alloc(`${cells.name}.refcnt`, 1, { lineAligned: true });
        // The base, and the loader's reference held during init.
        yield store(refcnt, MODULE_REF_BASE + 1);
        return new BiasedCount(refcnt, cells, rcu, (address) => machine.read(address));
      },
    };
  },
};
