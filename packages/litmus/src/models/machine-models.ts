import { load, loadAcquire, smpMb, smpRmb, smpWmb, store, storeRelease, type KernelCode } from '@kmodsim/cpu';
import type { FenceKind } from '../primitives.js';
import type { MemoryModel, MemoryPort } from './port.js';
import { lockedRmw } from './sc.js';

// The machine's own weaker models, 'tso' and 'relaxed' (see @kmodsim/cpu's store-buffers.ts and
// relaxed-views.ts): each access is one operation of the machine, and the machine decides what
// each load may read. The explorer chooses when each buffered store becomes visible and, under
// 'relaxed', which loads read an older value. A task's exit drains its store buffer, so memory
// holds every store when the run ends.

function fenceCode(kind: FenceKind): KernelCode<void> | undefined {
  switch (kind) {
    case 'mb':
    case 'mb-atomic':
      return (function* fullBarrier() { yield smpMb(); })();
    case 'wmb':
      return (function* writeBarrier() { yield smpWmb(); })();
    // A load through a pointer read before sees what the store of that pointer carried: a read
    // barrier between the two loads gives that here (stronger than Linux, which orders only the dependent load).
    case 'rmb':
    case 'dependency':
      return (function* readBarrier() { yield smpRmb(); })();
    case 'compiler':
      return undefined;
  }
}

const machinePort: MemoryPort = {
  *load(cell, order) {
    return yield order === 'acquire' ? loadAcquire(cell) : load(cell);
  },
  *store(cell, value, order) {
    yield order === 'release' ? storeRelease(cell, value) : store(cell, value);
  },
  // Every locked read-modify-write is fully ordered here, _relaxed variants too (stronger than LKMM).
  rmw: lockedRmw,
  fence: fenceCode,
};

/** The machine's 'relaxed' model: x86-TSO's store buffers, and loads of older values ordered by views. */
export const relaxedOrdering: MemoryModel = { name: 'relaxed', machineModel: 'relaxed', port: machinePort };

/** The machine's 'tso' model: a FIFO store buffer per CPU (smp_wmb, smp_rmb, acquire and release are plain on x86). */
export const totalStoreOrder: MemoryModel = { name: 'tso', machineModel: 'tso', port: machinePort };
