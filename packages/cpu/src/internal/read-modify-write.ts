import { RmwKind, type RmwOp } from '../ops.js';
import type { MachineCore } from './core.js';
import { bufferStore, drain, loadThroughBuffer } from './store-buffers.js';

// Read-modify-writes: xchg, cmpxchg and atomic adds with the lock prefix, and local_add's single
// unlocked instruction. The interpreter calls these for the Rmw operation.

/**
 * A read-modify-write under 'tso': a locked one drains the buffer and then acts on memory, as
 * x86's lock prefix does; an unlocked one (local_add's `incq`) reads through the buffer and
 * leaves its result there, like any plain store.
 */
export function bufferedReadModifyWrite(core: MachineCore, cpu: number, op: RmwOp): number {
  if (op.locked) {
    drain(core, cpu);
    return core.faults.current === undefined ? readModifyWrite(core, op) : 0;
  }
  const old = loadThroughBuffer(core, cpu, op.cell);
  switch (op.kind) {
    case RmwKind.Add:
      bufferStore(core, cpu, op.cell, old + op.operand);
      return old + op.operand;
    case RmwKind.Xchg:
      bufferStore(core, cpu, op.cell, op.operand);
      return old;
    case RmwKind.Cmpxchg:
      if (old === op.expected) bufferStore(core, cpu, op.cell, op.operand);
      return old;
  }
}

export function readModifyWrite(core: MachineCore, op: RmwOp): number {
  const memory = core.memory;
  const old = memory.read(op.cell);
  switch (op.kind) {
    case RmwKind.Add:
      memory.write(op.cell, old + op.operand);
      return old + op.operand;
    case RmwKind.Xchg:
      memory.write(op.cell, op.operand);
      return old;
    case RmwKind.Cmpxchg:
      if (old === op.expected) memory.write(op.cell, op.operand);
      return old;
  }
}
