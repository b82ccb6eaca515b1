import { preemptDisable, preemptEnable, smpRmb, smpWmb, store, type ExecutionContext, type KernelCode, type Machine } from '@kmodsim/cpu';
import { allocPerCpu, freePerCpu, perCpuPtr, perCpuSum, smpProcessorId, type LocalOps, type PerCpuVar } from '@kmodsim/percpu';

// How a per-CPU module count is kept. 2.6.0 (the seed): one local_t per CPU, up on a get and
// down on a put. 2.6.35: two per CPU, increments and decrements, so that a sum that reads every
// decrement before any increment can never come out below the true count (see sum()).

export interface PercpuCounters {
  /** The loader's reference, counted on the CPU that loads. */
  start(cpu: number): KernelCode<void>;
  inc(cpu: number): KernelCode<void>;
  /** Adds `delta` to this CPU's increments (a weight percpu-dekker gives a get still deciding). */
  incBy(cpu: number, delta: number): KernelCode<void>;
  dec(cpu: number): KernelCode<void>;
  /** Reads every CPU's counters, one load each, while other CPUs may run. */
  sum(): KernelCode<number>;
  /** The same sum read by the host, for lsmod: it may be stale. Each CPU's increments are taken modulo `weight` when given. */
  hostSum(weight?: number): number;
  release(): KernelCode<void>;
}

/**
 * __module_get: an increment on this CPU's counter, under get_cpu()/put_cpu(); the caller holds a
 * reference already. No barrier in any kernel that had per-CPU counts (2.6.0 module.h, 3.0 module.c).
 */
export function* countOnThisCpu(counters: PercpuCounters, self: ExecutionContext): KernelCode<void> {
  yield preemptDisable();
  yield* counters.inc(yield* smpProcessorId(self));
  yield preemptEnable();
}

function hostSumOf(machine: Machine, counters: PerCpuVar, weight = Infinity): number {
  let sum = 0;
  for (let cpu = 0; cpu < counters.cpuCount; cpu++) {
    // x % Infinity is x: without a weight, the plain sum.
    sum += machine.read(perCpuPtr(counters, cpu)) % weight;
  }
  return sum;
}

/**
 * 2.6.0's `struct module_ref { local_t count; } ref[NR_CPUS]`. No barrier in module_put or
 * module_refcount (2.6.0 kernel/module.c): stop_machine orders the sum against every update.
 */
export function* singleCounters(machine: Machine, name: string, local: LocalOps): KernelCode<PercpuCounters> {
  const refs = yield* allocPerCpu(`${name}.ref`, machine.cpuCount);
  return {
    *start(cpu) { yield store(perCpuPtr(refs, cpu), 1); },
    *inc(cpu) { yield* local.add(perCpuPtr(refs, cpu), 1); },
    *incBy(cpu, delta) { yield* local.add(perCpuPtr(refs, cpu), delta); },
    *dec(cpu) { yield* local.add(perCpuPtr(refs, cpu), -1); },
    sum: () => perCpuSum(refs),
    hostSum: (weight) => hostSumOf(machine, refs, weight),
    release: () => freePerCpu(refs),
  };
}

/**
 * 2.6.35's `struct module_ref { unsigned int incs; unsigned int decs; }`, per CPU. `orderedSum`
 * false is a flawed variant's: the sum without its smp_rmb().
 */
export function* splitCounters(machine: Machine, name: string, local: LocalOps, orderedSum = true): KernelCode<PercpuCounters> {
  const incs = yield* allocPerCpu(`${name}.refptr.incs`, machine.cpuCount);
  const decs = yield* allocPerCpu(`${name}.refptr.decs`, machine.cpuCount);
  return {
    *start(cpu) { yield store(perCpuPtr(incs, cpu), 1); },
    *inc(cpu) { yield* local.add(perCpuPtr(incs, cpu), 1); },
    *incBy(cpu, delta) { yield* local.add(perCpuPtr(incs, cpu), delta); },
    *dec(cpu) {
      // module_put() of the split-counter kernels (2.6.35-3.18; read in 3.0.27 kernel/module.c):
      // smp_wmb() before the decrement, so a sum that sees it sees this CPU's increment of the
      // same reference too. Only a relaxed model shows it: a compiler barrier under sc and tso.
      yield smpWmb();
      yield* local.add(perCpuPtr(decs, cpu), 1);
    },
    *sum() {
      // module_refcount() of the same kernels: every put follows its get, so reading all decrements
      // first, then (after smp_rmb(), pairing with the put's smp_wmb()) all increments, counts the
      // get of every put it saw. Without the smp_rmb() a relaxed CPU may read an increment older
      // than the decrement it read (a stale copy): the sum comes out low.
      const decsSum = yield* perCpuSum(decs);
      if (orderedSum) yield smpRmb();
      const incsSum = yield* perCpuSum(incs);
      return incsSum - decsSum;
    },
    hostSum: (weight) => hostSumOf(machine, incs, weight) - hostSumOf(machine, decs),
    *release() {
      yield* freePerCpu(incs);
      yield* freePerCpu(decs);
    },
  };
}
