import type { KernelCode, MemoryModelName, RmwOrder } from '@kmodsim/cpu';
import type { AccessOrder, FenceKind, RmwOperation } from '../primitives.js';

/**
 * How one process reaches memory under a memory model. The litmus interpreter asks for loads,
 * stores, locked read-modify-writes and barriers; the model decides which of the machine's
 * operations each one is.
 */
export interface MemoryPort {
  /** `order`: 'acquire' for smp_load_acquire() and its kin, else 'once'. */
  load(cell: number, order: AccessOrder): KernelCode<number>;
  /** `order`: 'release' for smp_store_release() and its kin, else 'once'. */
  store(cell: number, value: number, order: AccessOrder): KernelCode<void>;
  /** A locked read-modify-write on memory, ordered as `order` says; resumes with the value the cell held before. */
  rmw(cell: number, operation: RmwOperation, operand: number, expected: number, order: RmwOrder): KernelCode<number>;
  /** The barrier's code, or undefined when the model needs nothing for it (no step is taken). */
  fence(kind: FenceKind): KernelCode<void> | undefined;
}

/** A memory model: the machine's own, and how a process's accesses become its operations. Process n runs on CPU n. */
export interface MemoryModel {
  readonly name: string;
  /** The machine's memory model the processes run under. */
  readonly machineModel: MemoryModelName;
  readonly port: MemoryPort;
}
