import { CELLS_PER_LINE, alloc, free, type KernelCode, type Machine } from '@kmodsim/cpu';

// A per-CPU variable is one instance per CPU. DEFINE_PER_CPU puts each CPU's copy in that CPU's
// own per-CPU area, so no two CPUs ever write the same cache line; the `packed` layout lays the
// copies side by side instead, as a plain array indexed by CPU would, and shows what false
// sharing costs.

export interface PerCpuVar {
  readonly name: string;
  /** Address of CPU 0's instance. */
  readonly base: number;
  readonly cpuCount: number;
  /** Cells in one CPU's instance. */
  readonly cellsPerCpu: number;
  /** Distance between two CPUs' instances, in cells: whole cache lines unless packed. */
  readonly strideCells: number;
  readonly packed: boolean;
}

export interface PerCpuOptions {
  /** Cells in each CPU's instance (8-byte cells); 1 by default. */
  readonly cellsPerCpu?: number;
  /** Lay the instances side by side, sharing cache lines. Off by default. */
  readonly packed?: boolean;
}

interface Layout {
  readonly cellsPerCpu: number;
  readonly strideCells: number;
  readonly packed: boolean;
  readonly totalCells: number;
}

function layoutOf(name: string, cpuCount: number, options: PerCpuOptions): Layout {
  const cellsPerCpu = options.cellsPerCpu ?? 1;
  if (!Number.isInteger(cellsPerCpu) || cellsPerCpu < 1) {
    throw new RangeError(`per-CPU variable ${name}: cellsPerCpu must be a whole number of at least 1, got ${String(cellsPerCpu)}`);
  }
  if (!Number.isInteger(cpuCount) || cpuCount < 1) {
    throw new RangeError(`per-CPU variable ${name}: cpuCount must be a whole number of at least 1, got ${String(cpuCount)}`);
  }
  const packed = options.packed ?? false;
  const strideCells = packed ? cellsPerCpu : Math.ceil(cellsPerCpu / CELLS_PER_LINE) * CELLS_PER_LINE;
  return { cellsPerCpu, strideCells, packed, totalCells: strideCells * cpuCount };
}

/** DEFINE_PER_CPU: allocates the variable while the machine is set up (no simulated time passes). */
export function definePerCpu(machine: Machine, name: string, options: PerCpuOptions = {}): PerCpuVar {
  const layout = layoutOf(name, machine.cpuCount, options);
  const base = machine.alloc(name, layout.totalCells, { lineAligned: true }).base;
  return { name, base, cpuCount: machine.cpuCount, ...withoutTotal(layout) };
}

/** alloc_percpu: allocates the variable from running kernel code; resumes with it. */
export function* allocPerCpu(name: string, cpuCount: number, options: PerCpuOptions = {}): KernelCode<PerCpuVar> {
  const layout = layoutOf(name, cpuCount, options);
  const base = yield alloc(name, layout.totalCells, { lineAligned: true, fields: perCpuFields(name, cpuCount, layout) });
  return { name, base, cpuCount, ...withoutTotal(layout) };
}

/** Each CPU's instance named as a reader wants it: `demo_chardev.ref[cpu 1]`, its padding unnamed. */
function perCpuFields(name: string, cpuCount: number, layout: Layout): string[] {
  const fields = new Array<string>(layout.totalCells).fill('');
  for (let cpu = 0; cpu < cpuCount; cpu++) {
    for (let cell = 0; cell < layout.cellsPerCpu; cell++) {
      fields[cpu * layout.strideCells + cell] = layout.cellsPerCpu === 1 ? `${name}[cpu ${cpu}]` : `${name}[cpu ${cpu}]+${cell}`;
    }
  }
  return fields;
}

/** free_percpu. */
export function* freePerCpu(variable: PerCpuVar): KernelCode<void> {
  yield free(variable.base);
}

/**
 * per_cpu_ptr: the address of `cell` in `cpu`'s instance. Any CPU may compute it; writing
 * another CPU's instance is the caller's business (local_t allows only reads from elsewhere).
 */
export function perCpuPtr(variable: PerCpuVar, cpu: number, cell = 0): number {
  if (!Number.isInteger(cpu) || cpu < 0 || cpu >= variable.cpuCount) {
    throw new RangeError(`per_cpu_ptr(${variable.name}, ${String(cpu)}): the variable has instances for CPUs 0-${variable.cpuCount - 1}`);
  }
  if (!Number.isInteger(cell) || cell < 0 || cell >= variable.cellsPerCpu) {
    throw new RangeError(`per_cpu_ptr(${variable.name}): cell ${String(cell)} is outside the ${variable.cellsPerCpu}-cell instance`);
  }
  return variable.base + cpu * variable.strideCells + cell;
}

function withoutTotal(layout: Layout): Omit<Layout, 'totalCells'> {
  return { cellsPerCpu: layout.cellsPerCpu, strideCells: layout.strideCells, packed: layout.packed };
}
