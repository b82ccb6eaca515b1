import type { BenchmarkLine } from '@kmodsim/bench';
import { createMachine, type ExecutionContext, type KernelCode } from '@kmodsim/cpu';
import { createRcu } from '@kmodsim/rcu';

// Simulated cycles are exact and deterministic: one run per size gives the figure. The caller
// on CPU 0 of an otherwise idle machine waits for two grace periods of one kind and the second
// is timed: the first expedited one spawns the rcu_exp_qs/N kthreads (kthread creation, which
// Linux does not do there), and timing the second of either kind compares like with like.

const CPU_COUNTS = [1, 4, 16, 64, 256, 1024] as const;

type Kind = 'normal' | 'expedited';

function gracePeriodCycles(kind: Kind, cpuCount: number): number {
  const created = createMachine({ cpuCount, maxSteps: 50_000_000 });
  if (!created.ok) throw new Error(created.message);
  const machine = created.value;
  const rcu = createRcu(machine);
  let cycles = 0;
  const wait = (self: ExecutionContext): KernelCode<void> => (kind === 'normal' ? rcu.synchronize(self) : rcu.synchronizeExpedited(self));
  machine.spawn({ name: 'updater', cpu: 0, bound: true, body: function* (self) {
    yield* wait(self);
    const start = machine.clockOf(self.cpu);
    yield* wait(self);
    cycles = machine.clockOf(self.cpu) - start;
  } });
  const run = machine.run();
  if (!run.ok) throw new Error(`${kind} grace period at ${cpuCount} CPUs: ${run.fault.message}`);
  return cycles;
}

/** rcu.gp: cycles for one grace period against CPU count; the ratio is 1024 CPUs against 1. */
export function benchGracePeriod(kind: Kind): BenchmarkLine {
  const figures = Object.fromEntries(CPU_COUNTS.map((cpuCount) => [`cpus${cpuCount}`, gracePeriodCycles(kind, cpuCount)]));
  const at1 = figures['cpus1'] ?? 1;
  const at1024 = figures['cpus1024'] ?? 1;
  return { name: 'rcu.gp', kind, value: at1024, unit: 'cycles per grace period at 1024 CPUs (idle machine)', baseline: at1, ratio: Math.round((at1024 / at1) * 100) / 100, ...figures };
}
