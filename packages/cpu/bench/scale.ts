import { measureRate, type BenchmarkLine } from '@kmodsim/bench';
import { createMachine, load, store, type KernelCode } from '@kmodsim/cpu';

const OPS_PER_CPU = 2_000;

// cpu.scale: every CPU works on its own cache line; the same per-CPU work on 1024 CPUs and on 4.
// A step must cost the same however many CPUs the machine has.
export function benchScale(): BenchmarkLine {
  const large = measureRate(() => { runPerCpuWork(1024); }, 1024 * OPS_PER_CPU);
  const small = measureRate(() => { runPerCpuWork(4); }, 4 * OPS_PER_CPU);
  return {
    name: 'cpu.scale',
    value: Math.round(large.perSecond),
    unit: 'ops/s at 1024 CPUs',
    baseline: Math.round(small.perSecond),
    ratio: Math.round((large.perSecond / small.perSecond) * 1000) / 1000,
    goal: '>= 0.5',
  };
}

function* ownLine(cell: number): KernelCode<void> {
  for (let i = 0; i < OPS_PER_CPU / 2; i++) {
    const value = yield load(cell);
    yield store(cell, value + 1);
  }
}

function runPerCpuWork(cpuCount: number): void {
  const created = createMachine({ cpuCount, recordChoices: false });
  if (!created.ok) throw new Error(created.message);
  const machine = created.value;
  for (let cpu = 0; cpu < cpuCount; cpu++) {
    const cell = machine.alloc(`counter${cpu}`, 1, { lineAligned: true }).base;
    machine.spawn({ name: `worker${cpu}`, cpu, bound: true, body: () => ownLine(cell) });
  }
  const result = machine.run();
  if (!result.ok) throw new Error(result.fault.message);
}
