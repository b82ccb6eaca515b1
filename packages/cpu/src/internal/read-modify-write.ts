import { RmwKind, type RmwOp } from '../ops.js';
import type { MachineCore } from './core.js';
import { bufferStore, loadOnCpu } from './store-buffers.js';

// Read-modify-writes: xchg, cmpxchg and atomic adds with the lock prefix, and local_add's single
// unlocked instruction. Under 'tso' a locked one finds its CPU's buffer drained (drainsBuffer) and
// acts on memory, as x86's lock prefix does; an unlocked one (local_add's `incq`) reads through
// the buffer and leaves its result there, like any plain store. Under 'relaxed' a locked one is
// fully ordered (a full barrier before, by the drain, and after) and its write is tagged as a
// store's; either kind reads memory's value, never a stale copy.

/** Performs `op` on `cpu`; resumes with the new value for an add, else the old one. */
export function readModifyWrite(core: MachineCore, cpu: number, op: RmwOp): number {
  const buffered = core.tso && !op.locked;
  const views = core.storeBuffers.views;
  if (views !== undefined && !buffered) views.readFresh(cpu, op.cell);
  const old = buffered ? loadOnCpu(core, cpu, op.cell, false) : core.memory.read(op.cell);
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
  else writeLocked(core, cpu, op.cell, old, value);
  return op.kind === RmwKind.Add ? value : old;
}

/** A locked write, straight to memory; under 'relaxed' tagged and then a full barrier. */
function writeLocked(core: MachineCore, cpu: number, cell: number, old: number, value: number): void {
  const views = core.storeBuffers.views;
  if (views !== undefined) views.becameVisible(cpu, cell, old, views.tagOf(cpu));
  core.memory.write(cell, value);
  views?.fullFence(cpu);
}
