import type { KernelCode, Machine } from '@kmodsim/cpu';
import type { FenceKind, RmwOperation } from '../primitives.js';

/**
 * How one process reaches memory under a memory model. The litmus interpreter asks for loads,
 * stores, locked read-modify-writes and barriers; the model decides what each one is on the
 * sequentially consistent machine: one operation, or a walk through a store buffer.
 */
export interface MemoryPort {
  load(cell: number): KernelCode<number>;
  store(cell: number, value: number): KernelCode<void>;
  /** A locked read-modify-write on memory; resumes with the value the cell held before. */
  rmw(cell: number, operation: RmwOperation, operand: number, expected: number): KernelCode<number>;
  /** The barrier's code, or undefined when the model needs nothing for it (no step is taken). */
  fence(kind: FenceKind): KernelCode<void> | undefined;
  /** Run when the process's body has ended, before the final state is read: a store buffer drains. */
  finish(): KernelCode<void> | undefined;
}

/** What a model is told about each process before the machine runs. */
export interface ProcessShape {
  /** How many stores the process can make at most (each store statement runs at most once: litmus code has no loops). */
  readonly storeSites: number;
  /** Whether a load of the process may read a location it stored to earlier, so that a buffered store must be forwarded. */
  readonly mayReadOwnStore: boolean;
}

export interface MemoryModel {
  readonly name: string;
  /** CPUs the machine needs for this many processes (process n runs on CPU n). */
  cpuCount(processCount: number): number;
  /**
   * Sets up what the model needs on a fresh machine (buffers, their flushers) and returns, per
   * process, how to make its port. A port may keep what its process knows (what it has buffered),
   * so each run of the process's body makes a fresh one: a restored checkpoint runs bodies again.
   */
  setUp(machine: Machine, processes: readonly ProcessShape[]): readonly (() => MemoryPort)[];
}
