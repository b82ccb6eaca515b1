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
  /** Run when the process's body has ended: a store buffer is told that no more stores come (its flusher drains it before the run ends). */
  finish(): KernelCode<void> | undefined;
}

/** What a model is told about each process before the machine runs. */
export interface ProcessShape {
  /** How many stores the process can make at most (each store statement runs at most once: litmus code has no loops). */
  readonly storeSites: number;
  /** Whether every run makes all of them (no store sits in a branch): then no more can come after the last. */
  readonly storesAlways: boolean;
  /** Whether a load of the process may read a location it stored to earlier, so that a buffered store must be forwarded. */
  readonly mayReadOwnStore: boolean;
}

export interface MemoryModel {
  readonly name: string;
  /** CPUs the machine needs for these processes (process n runs on CPU n). */
  cpuCount(processes: readonly ProcessShape[]): number;
  /**
   * Sets up what the model needs on a fresh machine (buffers, their flushers) and returns, per
   * process, how to make its port. A port may keep what its process knows (what it has buffered),
   * so each run of the process's body makes a fresh one: a restored checkpoint runs bodies again.
   */
  setUp(machine: Machine, processes: readonly ProcessShape[]): readonly (() => MemoryPort)[];
}
