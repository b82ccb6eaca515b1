import { load, type KernelCode, type Machine } from '@kmodsim/cpu';
import { perCpuPtr, type PerCpuVar } from './percpu-var.js';

// Summing a per-CPU counter reads every CPU's instance in turn, one load each. While writers run
// the result is not the count at any one moment: a CPU already read can gain a reference and a
// CPU not yet read can lose one, so the sum can be 0 while a reference is held. A sum means
// something only when every writer is stopped (stop_machine) or has left for good.

/** for_each_possible_cpu(cpu) sum += local_read(per_cpu_ptr(variable, cpu)). */
export function* perCpuSum(variable: PerCpuVar, cell = 0): KernelCode<number> {
  let total = 0;
  for (let cpu = 0; cpu < variable.cpuCount; cpu++) total += yield load(perCpuPtr(variable, cpu, cell));
  return total;
}

/** The same sum read by the host between steps: what an observer outside the machine sees. */
export function perCpuSumNow(machine: Machine, variable: PerCpuVar, cell = 0): number {
  let total = 0;
  for (let cpu = 0; cpu < variable.cpuCount; cpu++) total += machine.read(perCpuPtr(variable, cpu, cell));
  return total;
}
