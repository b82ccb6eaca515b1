import { CELLS_PER_LINE, createMachine, ok, type ExecutionContext, type KernelCode, type Machine } from '@kmodsim/cpu';
import type { ModuleRefcount, RefcountRuntime, RefcountStrategy } from '@kmodsim/refcount';
import { attempt, runToEnd, type CostMachineOptions, type CostResult } from './cost-machine.js';

// What a module's count costs in memory: the other side of the seed's bargain. A per-CPU count
// keeps one cache line per CPU for every module loaded, so the bytes grow with the machine, and
// a distribution kernel loads many modules.

/** Modules in Debian's real tree (linux-image-amd64 ships about this many .ko files). */
export const MODULES_IN_TREE = 4_000;

/** Bytes in one cell of simulated memory. */
const BYTES_PER_CELL = 8;

export interface RefcountMemory {
  /** Bytes the strategy allocates for each module it counts, padding to whole cache lines included. */
  readonly bytesPerModule: number;
  /** Bytes it allocates once per machine (at attach, or for the first module only), whatever the number of modules. */
  readonly sharedBytes: number;
}

/**
 * Measured, not computed: the strategy is attached to a fresh machine of the size priced and
 * counts two modules, created by its own code as a load would create them; each module's bytes
 * are how far its allocations moved the end of simulated memory, starting from a line boundary,
 * so a line-aligned allocation is charged its padding. The second module's bytes are the
 * per-module figure; whatever the first took more, like attach's, is shared.
 */
export function refcountMemory(strategy: RefcountStrategy, options: CostMachineOptions): CostResult<RefcountMemory> {
  const created = createMachine({ cpuCount: options.cpuCount, profile: options.profile, recordChoices: false });
  if (!created.ok) throw new RangeError(created.message);
  const machine = created.value;
  const what = 'counting two modules';
  return attempt(strategy, options.cpuCount, what, () => {
    const runtime = strategy.attach({ machine, arch: 'native' });
    const attachCells = machine.memory.size;
    const moduleCells: number[] = [];
    machine.spawn({ name: 'insmod', cpu: 0, body: function* (self) {
      for (const name of ['first', 'second']) moduleCells.push(yield* countModule(machine, runtime, self, name));
    } });
    const ran = runToEnd(machine, strategy, what);
    if (!ran.ok) return ran;
    const [first = 0, second = 0] = moduleCells;
    return ok({ bytesPerModule: second * BYTES_PER_CELL, sharedBytes: (attachCells + first - second) * BYTES_PER_CELL });
  });
}

/** One module's count created by the strategy: the cells its allocations took, from a line boundary. */
function* countModule(machine: Machine, runtime: RefcountRuntime, self: ExecutionContext, name: string): KernelCode<number> {
  // The module's own struct, as the core allocates it; the line-aligned filler after it puts
  // the end of memory on a line boundary, so the count starts on one.
  const struct = machine.alloc(`${name}: struct module`, 3).base;
  machine.alloc(`${name}: padding`, 1, { lineAligned: true });
  const before = machine.memory.size;
  if (before % CELLS_PER_LINE !== 0) throw new Error('the end of memory is not on a line boundary');
  const count: ModuleRefcount = yield* runtime.createModule(self, { name, state: struct, live: struct + 1, waiter: struct + 2 });
  if (typeof count !== 'object') throw new Error('createModule() returned no count');
  return machine.memory.size - before;
}
