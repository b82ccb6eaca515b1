import { cpuRelax, load, store, xchg, type KernelCode, type Machine } from '@kmodsim/cpu';
import type { FenceKind, RmwOperation } from '../primitives.js';
import type { MemoryModel, MemoryPort, ProcessShape } from './port.js';
import { lockedRmw } from './sc.js';

// x86-TSO by the textbook program transformation: each process's stores go into a FIFO store
// buffer kept in simulated memory, and a flusher task of its own, on a CPU of its own, moves the
// oldest buffered store to memory. The explorer then chooses when each flush happens as it
// chooses any other step, so every TSO outcome is some schedule of the SC machine.
//
// A buffer entry is one cell holding the store's address and value together, so that appending
// is one step: value * ADDRESS_SPAN + address + 1 (never 0, which marks an entry not yet written).
// The flusher counts the entries it has moved to memory in the buffer's `flushed` cell.

const ADDRESS_SPAN = 2 ** 24;

interface BufferCells {
  readonly entries: number;
  readonly capacity: number;
  readonly flushed: number;
  /** Makes a flush (memory write, then count) one step as far as the owner's forwarding read can tell. */
  readonly lock: number | undefined;
}

export const totalStoreOrder: MemoryModel = {
  name: 'tso',
  cpuCount: (processCount) => 2 * processCount,
  setUp(machine, processes) {
    return processes.map((shape, index) => {
      const cells = allocateBuffer(machine, index, shape);
      machine.spawn({ name: `P${index}-flush`, cpu: processes.length + index, bound: true, daemon: true, body: () => flusher(cells) });
      return () => new BufferedPort(cells);
    });
  },
};

function allocateBuffer(machine: Machine, index: number, shape: ProcessShape): BufferCells {
  const capacity = Math.max(1, shape.storeSites);
  const fields = Array.from({ length: capacity }, (_, slot) => `P${index}.sb[${slot}]`);
  const entries = machine.alloc(`P${index} store buffer`, capacity, { fields }).base;
  const flushed = machine.alloc(`P${index}.sb.flushed`, 1).base;
  const lock = shape.mayReadOwnStore ? machine.alloc(`P${index}.sb.lock`, 1).base : undefined;
  return { entries, capacity, flushed, lock };
}

function* flusher(cells: BufferCells): KernelCode<void> {
  for (let slot = 0; slot < cells.capacity; slot++) {
    let entry: number;
    while ((entry = yield load(cells.entries + slot)) === 0) yield cpuRelax();
    // A negative value leaves a negative remainder in JavaScript: brought back into 0..SPAN-1.
    const address = (((entry - 1) % ADDRESS_SPAN) + ADDRESS_SPAN) % ADDRESS_SPAN;
    if (cells.lock !== undefined) yield* takeLock(cells.lock);
    yield store(address, (entry - 1 - address) / ADDRESS_SPAN);
    yield store(cells.flushed, slot + 1);
    if (cells.lock !== undefined) yield store(cells.lock, 0);
  }
}

/** A test-and-test-and-set lock: the waiter only reads while it waits, so the explorer sees it wait. */
function* takeLock(cell: number): KernelCode<void> {
  for (;;) {
    while ((yield load(cell)) !== 0) yield cpuRelax();
    if ((yield xchg(cell, 1)) === 0) return;
  }
}

/**
 * One process's side of its buffer. What it has appended is known to the process itself, so it
 * is kept in the port (rebuilt, like the process's registers, whenever its body is run again).
 */
class BufferedPort implements MemoryPort {
  private readonly appended: { readonly cell: number; readonly value: number }[] = [];
  /** Entries below this one are known to be in memory: the process saw the buffer drain past them. */
  private drained = 0;

  constructor(private readonly cells: BufferCells) {}

  *load(cell: number): KernelCode<number> {
    const own = this.appended.findLastIndex((entry, slot) => slot >= this.drained && entry.cell === cell);
    if (own === -1) return yield load(cell);
    // Forwarding: the newest own store to the cell, if it is still buffered, else memory.
    if (this.cells.lock === undefined) throw new Error(`a store buffer set up without forwarding (processShape saw no load of a stored location) must forward to a load of cell ${cell}`);
    yield* takeLock(this.cells.lock);
    const flushed = yield load(this.cells.flushed);
    const value = flushed > own ? yield load(cell) : this.appended[own]?.value ?? 0;
    yield store(this.cells.lock, 0);
    this.drained = flushed;
    return value;
  }

  *store(cell: number, value: number): KernelCode<void> {
    const slot = this.appended.length;
    if (slot >= this.cells.capacity || cell >= ADDRESS_SPAN - 1) throw new Error(`store buffer slot ${slot} of ${this.cells.capacity} for cell ${cell}: more stores than the process has`);
    yield store(this.cells.entries + slot, value * ADDRESS_SPAN + cell + 1);
    this.appended.push({ cell, value });
  }

  /** x86's locked instructions drain the store buffer and act on memory. */
  *rmw(cell: number, operation: RmwOperation, operand: number, expected: number): KernelCode<number> {
    yield* this.drain();
    return yield* lockedRmw(cell, operation, operand, expected);
  }

  /** Only smp_mb() (mfence) waits for the buffer; x86 keeps loads in order and stores in order without help. */
  fence(kind: FenceKind): KernelCode<void> | undefined {
    return kind === 'mb' ? this.drain() : undefined;
  }

  finish(): KernelCode<void> {
    return this.drain();
  }

  private *drain(): KernelCode<void> {
    const target = this.appended.length;
    if (this.drained === target) return;
    while ((yield load(this.cells.flushed)) !== target) yield cpuRelax();
    this.drained = target;
  }
}
