import { load, preemptDisable, preemptEnable, schedule, setCurrentState, smpMb, smpRmb, smpWmb, store, wakeUpProcess, type ExecutionContext, type KernelCode } from '@kmodsim/cpu';
import { localOps, smpProcessorId } from '@kmodsim/percpu';
import { createRcu, type Rcu } from '@kmodsim/rcu';
import { ModuleState, type KnownViolation, type ModuleCells, type ModuleRefcount, type RefcountStrategy, type StopOutcome, type UnloadFlags } from '../strategy.js';
import { countOnThisCpu, splitCounters, type PercpuCounters } from './percpu-counters.js';
import { declaredMembers, type Variant } from './variant.js';

// The seed's per-CPU counters without stop_machine: a get and the unloader meet as in Dekker's
// algorithm. A get counts itself on its CPU and then reads `live`; the unloader clears `live` and
// then sums the counters. With a full barrier between each side's store and its load (smp_mb(),
// as the kernel's store-buffering pattern needs: tools/memory-model/litmus-tests/SB+fencembonceonces.litmus)
// at least one sees the other: the get backs out, or the sum counts it. A put likewise counts its
// decrement before it reads `live`, so that either the unloader's sum sees the decrement or the
// put sees the module going and wakes it. Under sequential consistency the barriers change
// nothing; under x86-TSO each side's counter update can wait in its CPU's store buffer past its
// load of the other's flag, and without them the two miss each other (the flawed variant drops the put's).
// 2.6.35's split counters keep a reference moving between CPUs from hiding from the sum, and an
// RCU grace period (puts run with preemption off) lets the last put finish before the free.
// No kernel shipped this design: its barriers follow the litmus test above and the sleep/wake
// pairing of Documentation/memory-barriers.txt. The nearest kernel code, 2.6.35-3.x
// try_stop_module() without O_NONBLOCK, set GOING and waited with synchronize_sched() instead.

export type DekkerFlaw = 'unordered-put';

/**
 * What a get still deciding adds to its CPU's increments: the unloader's sum counts it (and so
 * waits for it, or refuses), but count() (lsmod, and the core's check that no user is left when
 * exit runs) takes increments modulo it, since a get that will back out is no user. One local_add
 * turns it into a reference (1 - TRYING) or takes it back (-TRYING): no window where a get that
 * failed looks like a user, or a user like none.
 */
const TRYING = 2 ** 20;

class DekkerCount implements ModuleRefcount {
  constructor(
    private readonly counters: PercpuCounters,
    private readonly cells: ModuleCells,
    private readonly rcu: Rcu,
    private readonly flaw: DekkerFlaw | undefined,
  ) {}

  *tryGet(self: ExecutionContext): KernelCode<boolean> {
    yield preemptDisable();
    const cpu = yield* smpProcessorId(self);
    yield* this.counters.incBy(cpu, TRYING);
    // Pairs with the unloader's smp_mb() between clearing live and summing (SB: each side's
    // store, a full barrier, then its load). Linux's per-CPU try_module_get had none: it relied
    // on stop_machine or a grace period instead.
    yield smpMb();
    const live = (yield load(this.cells.live)) === 1;
    yield* this.counters.incBy(cpu, live ? 1 - TRYING : -TRYING);
    // Going: the unloader may be waiting for this get to back out. The wake's full barrier
    // (try_to_wake_up) orders the back-out before it reads the unloader's state.
    if (!live) yield* this.wakeWaiter();
    yield preemptEnable();
    return live;
  }

  get(self: ExecutionContext): KernelCode<void> {
    return countOnThisCpu(this.counters, self);
  }

  *put(self: ExecutionContext): KernelCode<void> {
    yield preemptDisable();
    yield* this.drop(yield* smpProcessorId(self), this.flaw !== 'unordered-put');
    yield preemptEnable();
  }

  /** A decrement, then (after smp_mb() when `ordered`) the test of live that wakes the unloader. */
  private *drop(cpu: number, ordered: boolean): KernelCode<void> {
    yield* this.counters.dec(cpu);
    // Pairs with the waiter's set_current_state() before its sum: one of them sees the other.
    // Linux's module_put needed none (once going it woke unconditionally, and the wake is the
    // barrier); here the wake depends on this load, so the load must follow the decrement.
    // The flaw leaves it out: the flaw's point, shown under tso.
    if (ordered) yield smpMb();
    if ((yield load(this.cells.live)) === 0) yield* this.wakeWaiter();
  }

  private *wakeWaiter(): KernelCode<void> {
    // live was read clear: read the waiter after it (message passing with stop()'s smp_wmb()).
    yield smpRmb();
    const waiter = yield load(this.cells.waiter);
    if (waiter !== 0) yield wakeUpProcess(waiter);
  }

  count(): number {
    return this.counters.hostSum(TRYING);
  }

  *stop(self: ExecutionContext, flags: UnloadFlags): KernelCode<StopOutcome> {
    const refuseUsers = flags.nonblock && !flags.force;
    // rmmod without --wait is refused while users remain: found by a sum first, with live left
    // alone, so that a module in use is never briefly refused to new users by an unload refused.
    if (refuseUsers) {
      const users = yield* this.counters.sum();
      if (users !== 0) return { kind: 'busy', count: users };
    }
    // The waiter first, as 3.x's delete_module set it before the state, with smp_wmb() between
    // (pairing with wakeWaiter's smp_rmb()) so a put that sees live clear finds it; the smp_mb()
    // below comes after both, too late for that. Compiler barriers under sc and tso.
    yield store(this.cells.waiter, self.pid);
    yield smpWmb();
    yield store(this.cells.live, 0);
    // Pairs with the get's smp_mb(): a get the sum misses sees live clear and backs out.
    yield smpMb();
    const count = yield* this.counters.sum();
    if (count !== 0 && refuseUsers) {
      // A user came in since the first sum: live again. A get refused meanwhile failed as during any unload.
      yield store(this.cells.live, 1);
      yield store(this.cells.waiter, 0);
      return { kind: 'busy', count };
    }
    yield store(this.cells.state, ModuleState.GOING);
    return { kind: 'stopped', count };
  }

  *waitForZero(): KernelCode<void> {
    for (;;) {
      // set_current_state() (smp_store_mb) before the sum, as 2.6.0-3.x wait_for_zero_refcount;
      // pairs with the put's smp_mb() (or its wake's barrier).
      yield setCurrentState('TASK_UNINTERRUPTIBLE');
      if ((yield* this.counters.sum()) === 0) break;
      yield schedule();
    }
    // Linux: a plain store (__set_current_state); ordered here only for the machine (see percpu.ts).
    yield setCurrentState('TASK_RUNNING');
  }

  *beforeFree(self: ExecutionContext): KernelCode<void> {
    // The last put may still be between its decrement and its wake, with preemption off: a grace
    // period, as today's free_module() and do_init_module()'s failure path call synchronize_rcu().
    yield* this.rcu.synchronize(self);
  }

  *release(): KernelCode<void> {
    yield* this.counters.release();
  }
}

function dekkerStrategy(variant: Variant<DekkerFlaw>): RefcountStrategy {
  const { flaw } = variant;
  return {
    ...declaredMembers(variant),
    attach: ({ machine, arch }) => {
      const rcu = createRcu(machine);
      const local = localOps(arch);
      return {
        *createModule(self, cells) {
          const counters = yield* splitCounters(machine, cells.name, local);
          // The loader holds a reference during init, counted on the CPU it loads from.
          yield* counters.start(self.cpu);
          return new DekkerCount(counters, cells, rcu, flaw?.kind);
        },
      };
    },
  };
}

export const percpuDekker = dekkerStrategy({
  name: 'percpu-dekker',
  description: 'per-CPU split counters without stop_machine: get and unloader each update, smp_mb(), then read the other\'s flag',
});

/** Only a memory model with store buffers shows these: under sc the pair is clean. */
function underTso(scenario: string, kinds: KnownViolation['kinds'], why: string): KnownViolation {
  return { scenario, kinds, why, memory: 'tso' };
}

const LOST_WAKEUP = "the last put's decrement waits in its CPU's store buffer while it reads live still set, and the unloader's sum misses it: no one wakes the unloader";

const UNORDERED_PUT_CAUGHT: readonly KnownViolation[] = [
  underTso('wait-vs-last-put', ['sleeps-forever'], LOST_WAKEUP),
  underTso('completion-last-put-vs-wait', ['sleeps-forever'], LOST_WAKEUP),
];

export const percpuDekkerUnorderedPut = dekkerStrategy({
  name: 'percpu-dekker-unordered-put',
  description: 'percpu-dekker whose put reads live with no barrier after its decrement',
  flaw: { kind: 'unordered-put', text: "module_put tests live with no smp_mb() after its decrement: under x86-TSO the decrement is still in the store buffer when the unloader sums, and the wakeup is lost" },
  knownViolations: UNORDERED_PUT_CAUGHT,
});
