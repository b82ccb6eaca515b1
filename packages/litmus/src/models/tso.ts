import { cpuRelax, load, store, type KernelCode, type Machine } from '@kmodsim/cpu';
import type { FenceKind, RmwOperation } from '../primitives.js';
import type { MemoryModel, MemoryPort, ProcessShape } from './port.js';
import { directPort, lockedRmw } from './sc.js';

// x86-TSO by the textbook program transformation: each process's stores go into a FIFO store
// buffer kept in simulated memory, and a flusher task of its own, on a CPU of its own, moves the
// oldest buffered store to memory. The explorer then chooses when each flush happens as it
// chooses any other step, so every TSO outcome is some schedule of the SC machine.
//
// The buffer is one cell per store the process can make (plus one for END if it may make
// fewer). A slot's life:
//   EMPTY -> entry (the owner appends: value * ADDRESS_SPAN + address + 1, so one step)
//         -> FLUSHING (the flusher is about to write memory; only when the owner may forward)
//         -> DONE (memory written: what a drain and a forward look for).
// Entries are never multiples of ADDRESS_SPAN, and the markers are, so one cell tells them apart.
// Slots are never reused (litmus code has no loops), so nobody waits on a cell written again.
//
// Every wait below is a load followed by cpu_relax(): the explorer does not schedule such a CPU
// again until another CPU writes what it read (see spin-watch.ts in @kmodsim/explore), so a wait
// costs one read that races with the write it waits for, and no interleavings of polls.

// 2^20 cells, and values up to 2^32 either way, within what a double holds exactly (2^53).
const ADDRESS_SPAN = 2 ** 20;
const EMPTY = 0;
const FLUSHING = ADDRESS_SPAN;
const DONE = 2 * ADDRESS_SPAN;
/**
 * Appended when a process that may make fewer stores than it has sites ends: its flusher exits
 * there. (A process that makes them all needs none: its flusher exits after the last.) Flushers
 * are no daemons, so the run ends with every buffer drained, where x86-TSO reads a final state.
 */
const END = 3 * ADDRESS_SPAN;

interface Buffer {
  /** The first slot's cell. */
  readonly entries: number;
  /** Slots for stores. */
  readonly capacity: number;
  /** Whether the process ends by appending END (it may make fewer stores than `capacity`), else its flusher stops after `capacity`. */
  readonly ends: boolean;
  /** The flusher marks a slot FLUSHING before its memory write: the owner forwards from the buffer (see BufferedPort.load). */
  readonly marksFlushing: boolean;
}

export const totalStoreOrder: MemoryModel = {
  name: 'tso',
  // A process that never stores has an empty buffer for good: it needs no flusher, nor its CPU.
  cpuCount: (processes) => processes.length + processes.filter((shape) => shape.storeSites > 0).length,
  setUp(machine, processes) {
    let flusherCpu = processes.length;
    return processes.map((shape, index) => {
      if (shape.storeSites === 0) return () => directPort;
      const buffer = allocateBuffer(machine, index, shape);
      machine.spawn({ name: `P${index}-flush`, cpu: flusherCpu++, bound: true, body: () => flusher(buffer) });
      return () => new BufferedPort(buffer);
    });
  },
};

function allocateBuffer(machine: Machine, index: number, shape: ProcessShape): Buffer {
  const capacity = shape.storeSites;
  const ends = !shape.storesAlways;
  const fields = Array.from({ length: capacity + Number(ends) }, (_, slot) => `P${index}.sb[${slot}]`);
  const entries = machine.alloc(`P${index} store buffer`, fields.length, { fields }).base;
  return { entries, capacity, ends, marksFlushing: shape.mayReadOwnStore };
}

/**
 * Moves each entry to memory in order, and exits after the last (or at END). Each poll of a slot
 * the owner has not yet written doubles what follows it for the explorer (it has no state to
 * tell that the flusher is where it was), so no slot is polled that need not be.
 */
function* flusher(buffer: Buffer): KernelCode<void> {
  const last = buffer.entries + buffer.capacity + Number(buffer.ends);
  for (let slot = buffer.entries; slot < last; slot++) {
    const entry = yield* waitFor(slot, (value) => value !== EMPTY);
    if (entry === END) return;
    // A negative value leaves a negative remainder in JavaScript: brought back into 0..SPAN-1.
    const address = (((entry - 1) % ADDRESS_SPAN) + ADDRESS_SPAN) % ADDRESS_SPAN;
    if (buffer.marksFlushing) yield store(slot, FLUSHING);
    yield store(address, (entry - 1 - address) / ADDRESS_SPAN);
    yield store(slot, DONE);
  }
}

/** Reads `cell` until `done` holds of its value; the explorer sees the loop wait (see the top of this file). */
function* waitFor(cell: number, done: (value: number) => boolean): KernelCode<number> {
  for (;;) {
    const value = yield load(cell);
    if (done(value)) return value;
    yield cpuRelax();
  }
}

/**
 * One process's side of its buffer. What it has appended is known to the process itself, so it
 * is kept in the port (rebuilt, like the process's registers, whenever its body is run again).
 */
class BufferedPort implements MemoryPort {
  private readonly appended: { readonly cell: number; readonly value: number }[] = [];
  /** Slots below this one are known to be in memory: the process saw them DONE. */
  private drained = 0;

  constructor(private readonly buffer: Buffer) {}

  /**
   * Forwarding: the newest own store to the cell if it is still buffered, else memory. Its slot
   * tells which, with no lock: an entry still there is still buffered now (its memory write comes
   * after FLUSHING); DONE means memory was written, so memory is read after it, and no later own
   * store is to this cell; FLUSHING is the window between the two, where neither answer is sure
   * (another CPU may overwrite the cell between the flusher's write and DONE), so the load waits it out.
   */
  *load(cell: number): KernelCode<number> {
    const own = this.appended.findLastIndex((entry, slot) => slot >= this.drained && entry.cell === cell);
    if (own === -1) return yield load(cell);
    if (!this.buffer.marksFlushing) throw new Error(`a store buffer set up without forwarding (processShape saw no load of a stored location) must forward to a load of cell ${cell}`);
    const state = yield* waitFor(this.buffer.entries + own, (value) => value !== FLUSHING);
    if (state !== DONE) return this.appended[own]?.value ?? 0;
    this.drained = own + 1;
    return yield load(cell);
  }

  *store(cell: number, value: number): KernelCode<void> {
    const slot = this.appended.length;
    if (slot >= this.buffer.capacity || cell >= ADDRESS_SPAN - 1) throw new Error(`store buffer slot ${slot} of ${this.buffer.capacity} for cell ${cell}: more stores than the process has`);
    if (!Number.isSafeInteger(value * ADDRESS_SPAN)) throw new Error(`the value ${value} is too large for a store buffer entry`);
    yield store(this.buffer.entries + slot, value * ADDRESS_SPAN + cell + 1);
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

  /** The process ends without waiting for its buffer: its flusher drains it before the run ends. */
  finish(): KernelCode<void> | undefined {
    return this.buffer.ends ? this.appendEnd() : undefined;
  }

  private *appendEnd(): KernelCode<void> {
    yield store(this.buffer.entries + this.appended.length, END);
  }

  /** FIFO: the newest entry DONE means every entry is. */
  private *drain(): KernelCode<void> {
    const target = this.appended.length;
    if (this.drained === target) return;
    yield* waitFor(this.buffer.entries + target - 1, (value) => value === DONE);
    this.drained = target;
  }
}
