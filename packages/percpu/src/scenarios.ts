import { cpuRelax, keptValue, load, store, type ExecutionContext, type KernelCode, type Machine, type Scenario } from '@kmodsim/cpu';
import { localOps, type LocalFlavour, type LocalOps } from './local.js';
import { definePerCpu, perCpuPtr, type PerCpuVar } from './percpu-var.js';
import { perCpuSum, perCpuSumNow } from './sum.js';
import { getCpu, putCpu, thisCpuPtr } from './this-cpu.js';

// Scenarios that show what the per-CPU primitives promise and what they do not. Each checks its
// invariant at the end, so any scheduler (round-robin, seeded random, a replayed list, the
// explorer) can look for a run that breaks it, and a run that does carries its trace.

export interface LocalCounterOptions {
  readonly flavour: LocalFlavour;
  /** local_inc calls each writer task makes; one writer starts on each CPU. Default 20. */
  readonly incrementsPerTask?: number;
  /** How many times the interrupt that also increments may fire; unbounded when omitted. */
  readonly irqLimit?: number;
}

/** A writer's increment: this CPU's counter under get_cpu(), as try_module_get does. */
function* incrementThisCpu(self: ExecutionContext, ops: LocalOps, counter: PerCpuVar): KernelCode<void> {
  yield* getCpu(self);
  yield* ops.inc(yield* thisCpuPtr(self, counter));
  yield* putCpu(self);
}

/**
 * One writer per CPU increments its CPU's local_t under get_cpu(); an interrupt source whose
 * handler increments the interrupted CPU's counter may fire on every CPU. The writers may be
 * preempted and migrate between increments. At the end the counters must sum to every increment
 * made: the `plain` flavour can lose one to an interrupt between its load and its store.
 */
export function localCounterScenario(options: LocalCounterOptions): Scenario {
  const increments = options.incrementsPerTask ?? 20;
  const ops = localOps(options.flavour);
  return {
    name: `local-counter-${options.flavour}`,
    description: `local_inc (${options.flavour}) from a writer on every CPU and from interrupts on the same CPUs; no update may be lost`,
    setup(machine: Machine) {
      const counter = definePerCpu(machine, 'counter');
      // Counted by the host as the handler runs; kept by the machine, so a checkpoint restores it.
      const irqIncrements = keptValue(machine, 'interrupt increments', 0);
      machine.addIrqSource({
        name: 'counter_irq',
        ...(options.irqLimit === undefined ? {} : { limit: options.irqLimit }),
        handler: function* (self) {
          yield* ops.inc(yield* thisCpuPtr(self, counter));
          irqIncrements.value++;
        },
      });
      for (let cpu = 0; cpu < machine.cpuCount; cpu++) {
        machine.spawn({ name: `writer/${cpu}`, cpu, body: function* (self) {
          for (let i = 0; i < increments; i++) yield* incrementThisCpu(self, ops, counter);
        } });
      }
      return (done) => {
        const expected = machine.cpuCount * increments + irqIncrements.value;
        const sum = perCpuSumNow(done, counter);
        if (sum === expected) return undefined;
        return `local_t (${options.flavour}): the counters sum to ${sum}, but ${expected} increments were made (${irqIncrements.value} by interrupts): an update was lost`;
      };
    },
  };
}

const HELD_THROUGHOUT = 1;

/**
 * The sum of a per-CPU counter read while writers run means nothing. Task A holds a reference
 * counted on CPU 1; task B takes one on CPU 0; only then does A drop its own, on CPU 1. Someone
 * holds a reference throughout, so the count never leaves 1 or 2, yet a summer on CPU 2 that
 * reads CPU 0 before B's increment and CPU 1 after A's decrement sees 0. Needs 3 CPUs.
 */
export function racySumScenario(flavour: LocalFlavour = 'native'): Scenario {
  const ops = localOps(flavour);
  return {
    name: 'racy-percpu-sum',
    description: 'a per-CPU sum taken while a reference moves from one CPU to another can read 0 while a reference is held',
    setup(machine: Machine) {
      if (machine.cpuCount < 3) throw new RangeError(`the racy sum needs 3 CPUs, the machine has ${machine.cpuCount}`);
      const refs = definePerCpu(machine, 'refs');
      const bHolds = machine.alloc('b_holds', 1, { lineAligned: true }).base;
      const sumSeen = machine.alloc('sum_seen', 1, { lineAligned: true }).base;
      machine.write(perCpuPtr(refs, 1), HELD_THROUGHOUT);
      machine.spawn({ name: 'taker', cpu: 0, bound: true, body: function* (self) {
        yield* incrementThisCpu(self, ops, refs);
        yield store(bHolds, 1);
      } });
      machine.spawn({ name: 'dropper', cpu: 1, bound: true, body: function* (self) {
        while ((yield load(bHolds)) === 0) yield cpuRelax();
        yield* getCpu(self);
        yield* ops.dec(yield* thisCpuPtr(self, refs));
        yield* putCpu(self);
      } });
      machine.spawn({ name: 'summer', cpu: 2, bound: true, body: function* () {
        yield store(sumSeen, yield* perCpuSum(refs));
      } });
      return (done) => {
        // The true count was 1, then 2 after B's get, then 1 after A's put: any of those is a
        // fair reading; anything less counts a held reference as gone.
        const sum = done.read(sumSeen);
        if (sum >= HELD_THROUGHOUT) return undefined;
        return `the per-CPU sum read ${sum} while at least one reference was held throughout (the true count was 1 or 2): a sum taken while writers run means nothing`;
      };
    },
  };
}
