import { atomicAdd, cmpxchg, load, store, xchg, type KernelCode, type RmwOrder } from '@kmodsim/cpu';
import type { RmwOperation } from '../primitives.js';
import type { MemoryModel, MemoryPort } from './port.js';

/** One machine operation for a locked read-modify-write, resuming with the old value. */
export function* lockedRmw(cell: number, operation: RmwOperation, operand: number, expected: number, order: RmwOrder): KernelCode<number> {
  switch (operation) {
    case 'xchg': return yield xchg(cell, operand, order);
    case 'cmpxchg': return yield cmpxchg(cell, expected, operand, order);
    // The machine's add resumes with the new value (atomic_add_return); the old one is one subtraction away.
    case 'add': return (yield atomicAdd(cell, operand, order)) - operand;
  }
}

/** Every access one operation on the sequentially consistent machine. */
const directPort: MemoryPort = {
  *load(cell) {
    return yield load(cell);
  },
  *store(cell, value) {
    yield store(cell, value);
  },
  rmw: lockedRmw,
  // The machine is sequentially consistent: every access is performed in program order and seen
  // by every CPU at once, so no barrier has anything left to order.
  fence: () => undefined,
};

/** Sequential consistency: the machine as it is, every access one step. */
export const sequentialConsistency: MemoryModel = { name: 'sc', machineModel: 'sc', port: directPort };
