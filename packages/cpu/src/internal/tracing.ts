import type { Operation } from '../ops.js';
import type { Frame } from '../task.js';
import type { TraceEvent } from '../trace.js';
import type { MachineCore } from './core.js';
import { describeOperation } from './describe.js';
import { irqsEnabled } from './interrupts.js';
import { topFrame } from './run-queues.js';

// Tracing is off unless the machine was given a sink, and then costs one branch per step. Its
// only state is the sink itself (MachineCore.trace): events are the sink's to keep.

/** An event the machine names itself (sched_switch, irq_handler_entry, a fault), when tracing is on. */
export function traceNamed(core: MachineCore, cpu: number, frame: Frame | undefined, name: string, detail: string, durationCycles: number): void {
  if (core.trace !== undefined) emit(core, cpu, frame, name, detail, durationCycles);
}

/** The event for an operation a frame performed; only called when tracing is on. */
export function traceOperation(core: MachineCore, cpu: number, frame: Frame, op: Operation, result: number, durationCycles: number): void {
  const { name, detail } = describeOperation(op, result, core.memory, core.tso);
  // The `stale` choice's load read a value memory no longer holds (under 'relaxed').
  emit(core, cpu, frame, name, core.readStale ? `${detail}, an older value than memory's: its stale copy` : detail, durationCycles);
}

function emit(core: MachineCore, cpu: number, frame: Frame | undefined, name: string, detail: string, durationCycles: number): void {
  core.trace?.event(eventOf(core, cpu, frame, name, detail, durationCycles));
  const dropped = core.storeBuffers.views?.dropped;
  if (dropped !== undefined && dropped.length > 0) traceDropped(core, dropped);
}

function eventOf(core: MachineCore, cpu: number, frame: Frame | undefined, name: string, detail: string, durationCycles: number): TraceEvent {
  return {
    step: core.steps,
    cycles: core.clocks[cpu] ?? 0,
    durationCycles,
    cpu,
    pid: frame?.pid ?? 0,
    comm: frame?.comm ?? '<idle>',
    flags: flags(core, cpu, frame),
    name,
    detail,
  };
}

/**
 * Under 'relaxed': the stale copies the step just dropped, one event each on the CPU that held it:
 * from here that CPU's loads of the cell read memory's value, the store became visible to it.
 */
function traceDropped(core: MachineCore, dropped: number[]): void {
  for (let index = 0; index + 2 < dropped.length; index += 3) {
    const cpu = dropped[index] ?? 0;
    const cell = dropped[index + 1] ?? 0;
    const now = core.memory.liveness(cell) === 1 ? `${core.memory.read(cell)}` : 'freed';
    const detail = `${core.memory.describe(cell)} = ${now} on this CPU from here: its older value ${dropped[index + 2] ?? 0} is gone`;
    core.trace?.event(eventOf(core, cpu, topFrame(core, cpu), 'stale_dropped', detail, 0));
  }
  dropped.length = 0;
}

/** ftrace's latency flags: irqs-off 'd', need-resched 'N', hardirq 'h', preempt depth. */
function flags(core: MachineCore, cpu: number, frame: Frame | undefined): string {
  const irqsOff = !irqsEnabled(core, cpu) ? 'd' : '.';
  const resched = core.runQueues.needResched[cpu] === 1 ? 'N' : '.';
  const hardirq = frame?.inIrq === true ? 'h' : '.';
  const depth = frame === undefined || frame.preemptCount === 0 ? '.' : Math.min(frame.preemptCount, 15).toString(16);
  return `${irqsOff}${resched}${hardirq}${depth}`;
}
