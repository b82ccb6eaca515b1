import type { BenchmarkLine } from '@kmodsim/bench';
import { createMachine } from '@kmodsim/cpu';
import { LOCAL_FLAVOURS, definePerCpu, getCpu, localOps, putCpu, thisCpuPtr, type LocalFlavour } from '@kmodsim/percpu';

// Simulated cycles are exact and deterministic: one run per size gives the figure. Every CPU
// increments its own instance of one per-CPU local_t, as try_module_get does, all at once.

const CPU_COUNTS = [1, 4, 64, 1024] as const;
const INCREMENTS_PER_CPU = 100;

/** Mean cycles per local_inc with every CPU incrementing its own instance at once. */
export function cyclesPerInc(flavour: LocalFlavour, cpuCount: number, packed: boolean): number {
  const created = createMachine({ cpuCount, schedule: 'kms1:rr:slice=1', maxSteps: 50_000_000 });
  if (!created.ok) throw new Error(created.message);
  const machine = created.value;
  const counter = definePerCpu(machine, 'counter', { packed });
  const ops = localOps(flavour);
  let cycles = 0;
  for (let cpu = 0; cpu < cpuCount; cpu++) {
    machine.spawn({ name: `writer/${cpu}`, cpu, bound: true, body: function* (self) {
      yield* getCpu(self);
      const cell = yield* thisCpuPtr(self, counter);
      const start = machine.clockOf(self.cpu);
      for (let i = 0; i < INCREMENTS_PER_CPU; i++) yield* ops.inc(cell);
      cycles += machine.clockOf(self.cpu) - start;
      yield* putCpu(self);
    } });
  }
  const run = machine.run();
  if (!run.ok) throw new Error(`${flavour} at ${cpuCount} CPUs: ${run.fault.message}`);
  return cycles / cpuCount / INCREMENTS_PER_CPU;
}

/** percpu.local_inc: per flavour (and packed, to show false sharing), cycles per local_inc; ratio 1024 CPUs against 1. */
export function benchLocalInc(): BenchmarkLine[] {
  const layouts = [...LOCAL_FLAVOURS.map((flavour) => ({ flavour, packed: false })), { flavour: 'native' as const, packed: true }];
  return layouts.map(({ flavour, packed }) => {
    const figures = Object.fromEntries(CPU_COUNTS.map((cpuCount) => [`cpus${cpuCount}`, round2(cyclesPerInc(flavour, cpuCount, packed))]));
    const at1 = figures['cpus1'] ?? 1;
    const at1024 = figures['cpus1024'] ?? 1;
    return {
      name: 'percpu.local_inc',
      flavour,
      layout: packed ? 'packed (false sharing)' : 'one line per CPU',
      value: at1024,
      unit: 'cycles per local_inc at 1024 CPUs',
      baseline: at1,
      ratio: round2(at1024 / at1),
      ...figures,
      goal: flavour === 'native' && !packed ? '<= 1.1' : 'none (for comparison)',
    };
  });
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
