import { drainsBuffer, OpCode, type Machine, type Operation } from '@kmodsim/cpu';
import type { Footprint } from './footprint.js';

// Under 'relaxed' a flush leaves every other CPU a stale copy of its cell (@kmodsim/cpu's
// relaxed-views.ts), and a read barrier, smp_mb(), an acquire, a drain, or a task or an interrupt
// handler switching in may drop a CPU's copies, whatever cells they hold. The two meet on no
// location, yet whether a copy survives to be read depends on their order: sleep sets must take
// them as dependent (Footprint.views marks both). Taken as independent, a barrier slept across
// another CPU's flush, and the search answered Never for Z6.3-hb-po, which tso and relaxed without
// sleep sets reach. Only sleep sets take them so: as a race for the analysis too (a location both
// touch), Z6.3-hb-po took 8,845 executions instead of 211, and without sleep sets every ending of
// the random sweeps is reached all the same (a copy holds the value a load before the flush reads).

/** Operations that may drop their CPU's stale copies: read and full barriers, acquires, locked read-modify-writes, drains. */
export function dropsStaleCopies(op: Operation): boolean {
  if (op.code === OpCode.Fence) return op.kind !== 'wmb';
  return op.code === OpCode.LoadAcquire || (op.code === OpCode.Rmw && op.locked) || drainsBuffer(op);
}

/** The footprint marked as a flush or as dropping its CPU's stale copies, under 'relaxed' only. */
export function withViews(machine: Machine, footprint: Footprint): Footprint {
  return machine.memoryModel === 'relaxed' && footprint.views !== true ? { ...footprint, views: true } : footprint;
}

/** `flush` is a flush that leaves stale copies on CPU `cpu` (another CPU than its own). */
export function flushMeetsViews(flush: Footprint, cpu: number): boolean {
  return flush.views === true && flush.follows !== undefined && flush.follows !== flush.cpu && flush.follows !== cpu;
}

/** `step`, a CPU's choice that may drop its stale copies, and `flush`, which leaves it one, do not commute. */
export function viewsMeet(flush: Footprint, step: Footprint): boolean {
  return step.views === true && (step.follows === undefined || step.follows === step.cpu) && flushMeetsViews(flush, step.cpu);
}
