// The `cpus` argument of stop_machine as a byte per CPU. NULL (omitted) means the first online
// CPU, as stop_machine_cpuslocked() chooses. A mask naming a CPU the machine lacks is a
// programming error, like passing a bad cpumask.

const FIRST_ONLINE_CPU = 0;

export function activeMask(cpuCount: number, cpus: readonly number[] | undefined): Uint8Array {
  const mask = new Uint8Array(cpuCount);
  if (cpus === undefined) {
    mask[FIRST_ONLINE_CPU] = 1;
    return mask;
  }
  if (cpus.length === 0) throw new RangeError('stop_machine: the cpumask is empty: fn would run nowhere');
  for (const cpu of cpus) {
    if (!Number.isInteger(cpu) || cpu < 0 || cpu >= cpuCount) {
      throw new RangeError(`stop_machine: CPU ${String(cpu)} is not online (the machine has CPUs 0-${cpuCount - 1})`);
    }
    mask[cpu] = 1;
  }
  return mask;
}
