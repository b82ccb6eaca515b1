import { RmwKind, type RmwOp } from '../ops.js';
import type { MachineCore } from './core.js';
import { bufferStore, loadThroughBuffer } from './store-buffers.js';

// Read-modify-writes: xchg, cmpxchg and atomic adds with the lock prefix, and local_add's single
// unlocked instruction. Under 'tso' a locked one finds its CPU's buffer drained (drainsBuffer) and
// acts on memory, as x86's lock prefix does; an unlocked one (local_add's `incq`) reads through
// the buffer and leaves its result there, like any plain store.

/** Performs `op` on `cpu`; resumes with the new value for an add, else the old one. */
export function readModifyWrite(core: MachineCore, cpu: number, op: RmwOp): number {
  const buffered = core.tso && !op.locked;
  const old = buffered ? loadThroughBuffer(core, cpu, op.cell) : core.memory.read(op.cell);
  let value: number;
  switch (op.kind) {
    case RmwKind.Add:
      value = old + op.operand;
      break;
    case RmwKind.Xchg:
      value = op.operand;
      break;
    case RmwKind.Cmpxchg:
      if (old !== op.expected) return old;
      value = op.operand;
      break;
  }
  if (buffered) bufferStore(core, cpu, op.cell, value);
  else core.memory.write(op.cell, value);
  return op.kind === RmwKind.Add ? value : old;
}
