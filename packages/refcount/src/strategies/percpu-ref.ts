import {
  alloc, atomicAdd, free, load, smpWmb, store, waitEvent, wakeUpProcess,
  type ExecutionContext, type KernelCode, type Machine,
} from '@kmodsim/cpu';
import { allocPerCpu, freePerCpu, localOps, perCpuPtr, perCpuSum, thisCpuPtr, type LocalOps, type PerCpuVar } from '@kmodsim/percpu';
import { createRcu, type Rcu } from '@kmodsim/rcu';
import { ModuleState, type KnownViolation, type ModuleCells, type ModuleRefcount, type RefcountStrategy, type StopOutcome, type UnloadFlags } from '../strategy.js';

// The module count as a percpu_ref (lib/percpu-refcount.c), the design that replaced the seed's
// stop_machine in other subsystems: gets and puts touch only this CPU's counter inside an RCU
// read-side section while the ref is in per-CPU mode. Unload kills it: switch to atomic mode,
// wait one RCU grace period so no CPU can still be updating its per-CPU counter, then fold the
// per-CPU sum into the atomic count, which is now exact, and decide. The atomic count carries a
// large bias while per-CPU mode is possible, so it cannot reach zero before the fold. A refused
// unload (O_NONBLOCK with users) resurrects the ref into per-CPU mode again.
// Barriers as lib/percpu-refcount.c and include/linux/percpu-refcount.h: readers have none of
// their own (an RCU-sched section, and an address dependency from the mode word to the per-CPU
// counter); the grace period orders them against the kill; atomic-mode puts use the fully ordered
// atomic_long_sub_and_test, gets the unordered atomic_long_add.

const PERCPU_COUNT_BIAS = 2 ** 40;
/** The mode word: per-CPU, or dead (killed: gets fail, puts go to the atomic count). */
const PERCPU = 0;
const DEAD = 1;
const MODE = 0;
const COUNT = 1;
const CELLS = 2;

class PercpuRefCount implements ModuleRefcount {
  private readonly mode: number;
  private readonly atomic: number;

  constructor(
    private readonly machine: Machine,
    private readonly rcu: Rcu,
    private readonly base: number,
    private readonly counters: PerCpuVar,
    private readonly cells: ModuleCells,
    private readonly local: LocalOps,
  ) {
    this.mode = base + MODE;
    this.atomic = base + COUNT;
  }

  *tryGet(self: ExecutionContext): KernelCode<boolean> {
    yield* this.rcu.readLock(self);
    // percpu_ref_tryget_live(): only in per-CPU mode, and (the seed's two-state init) only once live.
    // Linux reads mode and counter address as one word (an address dependency orders them); here
    // they are two cells, ordered only by the control dependency into the counter's update.
    const got = (yield load(this.cells.live)) === 1 && (yield load(this.mode)) === PERCPU;
    if (got) yield* this.local.add(yield* thisCpuPtr(self, this.counters), 1);
    yield* this.rcu.readUnlock(self);
    return got;
  }

  *get(self: ExecutionContext): KernelCode<void> {
    yield* this.rcu.readLock(self);
    if ((yield load(this.mode)) === PERCPU) yield* this.local.add(yield* thisCpuPtr(self, this.counters), 1);
    // percpu_ref_get_many()'s atomic_long_add(): unordered, as it is in Linux.
    else yield atomicAdd(this.atomic, 1, 'relaxed');
    yield* this.rcu.readUnlock(self);
  }

  *put(self: ExecutionContext): KernelCode<void> {
    yield* this.rcu.readLock(self);
    if ((yield load(this.mode)) === PERCPU) {
      yield* this.local.add(yield* thisCpuPtr(self, this.counters), -1);
    } else if ((yield atomicAdd(this.atomic, -1)) === 0) {
      // atomic_long_sub_and_test(): fully ordered, so the release's loads follow the decrement.
      // The release callback: the last user wakes the unloader. Zero is reachable only once folded.
      const waiter = yield load(this.cells.waiter);
      if (waiter !== 0) yield wakeUpProcess(waiter);
    }
    yield* this.rcu.readUnlock(self);
  }

  count(): number {
    const atomic = this.machine.read(this.atomic);
    // While the bias is in, the per-CPU counters still hold part of the count; once folded the
    // atomic count is all of it.
    if (atomic < PERCPU_COUNT_BIAS / 2) return atomic;
    let sum = 0;
    for (let cpu = 0; cpu < this.counters.cpuCount; cpu++) sum += this.machine.read(perCpuPtr(this.counters, cpu));
    return atomic - PERCPU_COUNT_BIAS + sum;
  }

  *stop(self: ExecutionContext, flags: UnloadFlags): KernelCode<StopOutcome> {
    yield store(this.cells.waiter, self.pid);
    const count = yield* this.kill(self);
    if (count !== 0 && flags.nonblock && !flags.force) {
      yield* this.resurrect();
      return { kind: 'busy', count };
    }
    yield store(this.cells.live, 0);
    yield store(this.cells.state, ModuleState.GOING);
    return { kind: 'stopped', count };
  }

  /** percpu_ref_kill() and the switch to atomic mode it starts; resumes with the exact count. */
  private *kill(self: ExecutionContext): KernelCode<number> {
    // From now on every get fails and every put goes to the atomic count. Linux sets the DEAD
    // and ATOMIC bits under percpu_ref_switch_lock and waits with call_rcu; a plain store then
    // synchronize_rcu() orders the same: the grace period is a full barrier on every CPU.
    yield store(this.mode, DEAD);
    // Readers that saw per-CPU mode are inside RCU read-side sections: wait them out.
    yield* this.rcu.synchronize(self);
    const sum = yield* perCpuSum(this.counters);
    return yield atomicAdd(this.atomic, sum - PERCPU_COUNT_BIAS);
  }

  /** percpu_ref_resurrect(): the count moves back under the bias, the per-CPU counters restart from zero. */
  private *resurrect(): KernelCode<void> {
    yield atomicAdd(this.atomic, PERCPU_COUNT_BIAS);
    for (let cpu = 0; cpu < this.counters.cpuCount; cpu++) yield store(perCpuPtr(this.counters, cpu), 0);
    yield store(this.cells.waiter, 0);
    // __percpu_ref_switch_to_percpu() flips the mode with smp_store_release(), so a reader that
    // sees per-CPU mode sees the zeroed counters. The machine has no release store: smp_wmb()
    // orders the same stores (a compiler barrier under sc and tso).
    yield smpWmb();
    yield store(this.mode, PERCPU);
  }

  *waitForZero(self: ExecutionContext): KernelCode<void> {
    // A failed init goes straight here without stop(): the ref may still be per-CPU.
    if ((yield load(this.mode)) === PERCPU) yield* this.kill(self);
    yield* waitEvent(this.atomic, (count) => count === 0);
  }

  *beforeFree(self: ExecutionContext): KernelCode<void> {
    // The last put reads the waiter after its decrement, inside its read-side section: today's
    // free_module() waits for a grace period (synchronize_rcu) the same way.
    yield* this.rcu.synchronize(self);
  }

  *release(): KernelCode<void> {
    yield* freePerCpu(this.counters);
    yield free(this.base);
  }
}

/**
 * percpu_ref can only learn the count by killing the ref: a refused rmmod kills it, waits a grace
 * period, finds users and resurrects it, and every try_module_get in that window fails, though
 * the module never goes. An open that races a refused rmmod fails with ENODEV.
 */
const REFUSED_STOP_REFUSES_GETS: KnownViolation = {
  scenario: 'refused-unload-then-reuse',
  kinds: ['invariant', 'assertion'],
  why: 'a refused unload kills the ref to read its count and resurrects it a grace period later: a try_module_get in between fails though the module stays',
};

export const percpuRef: RefcountStrategy = {
  name: 'percpu-ref',
  description: 'per-CPU counters under RCU, killed into atomic mode after a grace period (percpu_ref), no stop_machine',
  knownViolations: [REFUSED_STOP_REFUSES_GETS],
  attach: ({ machine, arch }) => {
    const rcu = createRcu(machine);
    const local = localOps(arch);
    return {
      *createModule(self, cells) {
        const base = yield alloc(`${cells.name}.percpu_ref`, CELLS, { lineAligned: true, fields: [`${cells.name}.percpu_ref.mode`, `${cells.name}.percpu_ref.count`] });
        const counters = yield* allocPerCpu(`${cells.name}.percpu_count`, machine.cpuCount);
        yield store(base + COUNT, PERCPU_COUNT_BIAS);
        // The loader's reference, counted on the CPU it loads from.
        yield store(perCpuPtr(counters, self.cpu), 1);
        return new PercpuRefCount(machine, rcu, base, counters, cells, local);
      },
    };
  },
};
