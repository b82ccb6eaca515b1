import { RmwKind, type RmwOp } from '../ops.js';
import type { MachineCore } from './core.js';
import type { RelaxedViews } from './relaxed-views.js';
import { bufferStore, loadOnCpu } from './store-buffers.js';

// Read-modify-writes: xchg, cmpxchg and atomic adds with the lock prefix, and local_add's single
// unlocked instruction. Under 'tso' a locked one finds its CPU's buffer drained (drainsBuffer) and
// acts on memory, as x86's lock prefix does; an unlocked one (local_add's `incq`) reads through
// the buffer and leaves its result there, like any plain store. Under 'relaxed' a locked one finds
// the buffer drained too (stores still leave in order, stronger than the kernel's model) and then
// orders as its form says (RmwOrder): 'full' is a full barrier before and after, 'release' a
// release before, 'acquire' an acquire after, 'relaxed' and a failed cmpxchg nothing; its write is
// tagged as a store's, and carries what the store it replaced carried (rmw-sequence). Either kind
// reads memory's value, never a stale copy.

/** Performs `op` on `cpu`; resumes with the new value for an add, else the old one. */
export function readModifyWrite(core: MachineCore, cpu: number, op: RmwOp): number {
  const buffered = core.tso && !op.locked;
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
      value = old === op.expected ? op.operand : old;
      break;
  }
  const stores = op.kind !== RmwKind.Cmpxchg || old === op.expected;
  if (buffered) {
    if (stores) bufferStore(core, cpu, op.cell, value);
  } else if (core.storeBuffers.views !== undefined) relaxedLocked(core.storeBuffers.views, core, cpu, op, old, stores ? value : undefined);
  else if (stores) core.memory.write(op.cell, value);
  return op.kind === RmwKind.Add ? value : old;
}

/** A locked read-modify-write under 'relaxed': its barriers around its read of memory and its tagged write (none when `value` is undefined, a failed cmpxchg). */
function relaxedLocked(views: RelaxedViews, core: MachineCore, cpu: number, op: RmwOp, old: number, value: number | undefined): void {
  const order = value === undefined ? 'relaxed' : op.order;
  if (order === 'full') views.fullFence(cpu);
  else if (order === 'release') views.releaseFence(cpu);
  views.readFresh(cpu, op.cell);
  if (value === undefined) return;
  views.becameVisible(cpu, op.cell, old, views.rmwTagOf(cpu, op.cell));
  core.memory.write(op.cell, value);
  if (order === 'full') views.fullFence(cpu);
  else if (order === 'acquire') views.acquireFence(cpu);
}
