import type { IrqHandler } from '../ops.js';
import type { BodyRef, InterruptSave } from '../snapshot.js';
import { IrqFrame, type Frame } from '../task.js';
import type { MachineCore } from './core.js';
import { diverged, raise } from './faults.js';
import { advance } from './resume.js';
import { refresh } from './run-queues.js';
import { drainAtSwitch } from './store-buffers.js';
import { traceNamed } from './tracing.js';

// Interrupts: the sources a scenario adds (each fires when a scheduler chooses it, within its
// budget), inter-processor interrupts queued by one CPU for another, and the stack of handlers
// running on each CPU. A handler runs as a frame on top of whatever its CPU was doing.

export interface IrqSourceSpec {
  readonly name: string;
  readonly handler: IrqHandler;
  /** CPUs the source may interrupt; all when omitted. */
  readonly cpus?: readonly number[];
  /** How many times it may fire in a run; unbounded when omitted. */
  readonly limit?: number;
  /** Names the handler for a snapshot saved as bytes (see BodyRef). */
  readonly handlerRef?: BodyRef;
}

export interface PendingIpi {
  readonly name: string;
  readonly handler: IrqHandler;
  readonly readyAtCycles: number;
}

export interface IrqSource extends IrqSourceSpec {
  fired: number;
  readonly allowed: Uint8Array;
}

export class InterruptState {
  /** The handlers running on each CPU, innermost last. */
  readonly stacks: IrqFrame[][];
  readonly pendingIpis: PendingIpi[][];
  readonly sources: IrqSource[] = [];
  /** IPIs sent and not yet handled, plus handlers running: a run does not end with any left. */
  work = 0;

  constructor(cpuCount: number) {
    this.stacks = Array.from({ length: cpuCount }, () => []);
    this.pendingIpis = Array.from({ length: cpuCount }, () => []);
  }
}

export function addIrqSource(core: MachineCore, spec: IrqSourceSpec): number {
  const cpuCount = core.cpuCount;
  const allowed = new Uint8Array(cpuCount);
  for (const cpu of spec.cpus ?? Array.from({ length: cpuCount }, (_, index) => index)) {
    if (!Number.isInteger(cpu) || cpu < 0 || cpu >= cpuCount) {
      throw new RangeError(`interrupt source ${spec.name} names CPU ${cpu}, but the machine has CPUs 0-${cpuCount - 1}`);
    }
    allowed[cpu] = 1;
  }
  const sources = core.interrupts.sources;
  sources.push({ ...spec, fired: 0, allowed });
  return sources.length - 1;
}

/** The interrupt sources and how often each fired: at a quiet point, no handler runs and no IPI waits. */
export function saveInterrupts(interrupts: InterruptState): InterruptSave {
  return { sources: interrupts.sources.map(({ fired, allowed: _allowed, ...spec }) => ({ spec, fired })) };
}

/**
 * Takes the machine's own interrupt sources back to a quiet point saved from it: no handler
 * running, no IPI waiting, each source fired as often as then, and sources added since removed.
 */
export function rewindInterrupts(core: MachineCore, save: InterruptSave): void {
  const interrupts = core.interrupts;
  for (const stack of interrupts.stacks) stack.length = 0;
  for (const pending of interrupts.pendingIpis) pending.length = 0;
  interrupts.work = 0;
  interrupts.sources.length = save.sources.length;
  save.sources.forEach(({ fired }, index) => {
    const source = interrupts.sources[index];
    if (source !== undefined) source.fired = fired;
  });
}

/** Adds the saved sources to a new machine's, which has none. */
export function loadInterrupts(core: MachineCore, save: InterruptSave): void {
  for (const { spec, fired } of save.sources) {
    const source = core.interrupts.sources[addIrqSource(core, spec)];
    if (source !== undefined) source.fired = fired;
  }
}

/** Interrupts are on for `cpu`: no handler runs there and its task (if any) has not disabled them. */
export function irqsEnabled(core: MachineCore, cpu: number): boolean {
  if ((core.interrupts.stacks[cpu]?.length ?? 0) > 0) return false;
  const task = core.runQueues.current[cpu];
  return task === undefined || !task.irqsOff;
}

export function ipiDeliverable(core: MachineCore, cpu: number): boolean {
  const interrupts = core.interrupts;
  if (interrupts.work === 0) return false;
  return (interrupts.pendingIpis[cpu]?.length ?? 0) > 0 && irqsEnabled(core, cpu);
}

export function irqDeliverable(core: MachineCore, cpu: number, source: number): boolean {
  const spec = core.interrupts.sources[source];
  if (spec === undefined || spec.allowed[cpu] !== 1) return false;
  return spec.fired < (spec.limit ?? Infinity) && irqsEnabled(core, cpu);
}

export function deliverIrq(core: MachineCore, cpu: number, sourceIndex: number): void {
  const source = core.interrupts.sources[sourceIndex];
  if (source === undefined || !irqDeliverable(core, cpu, sourceIndex)) {
    diverged(core, `interrupt source ${sourceIndex} cannot fire on CPU ${cpu} now`);
    return;
  }
  source.fired++;
  enterIrq(core, cpu, source.name, source.handler, 0);
}

export function deliverIpi(core: MachineCore, cpu: number): void {
  const ipi = ipiDeliverable(core, cpu) ? core.interrupts.pendingIpis[cpu]?.shift() : undefined;
  if (ipi === undefined) {
    diverged(core, `CPU ${cpu} has no IPI it can take now`);
    return;
  }
  core.interrupts.work--;
  enterIrq(core, cpu, `ipi:${ipi.name}`, ipi.handler, ipi.readyAtCycles);
  core.storeBuffers.views?.receive(ipiCarrier(cpu), cpu);
}

/** Under 'relaxed', what IPIs to `cpu` carry is kept as a task's would be, under this key (no pid is negative). */
export function ipiCarrier(cpu: number): number {
  return -1 - cpu;
}

function enterIrq(core: MachineCore, cpu: number, name: string, handler: IrqHandler, notBeforeCycles: number): void {
  // Under 'tso' an interrupt's entry and its return (iret serializes) drain the CPU's store buffer.
  drainAtSwitch(core, cpu);
  const frame = new IrqFrame(core.runQueues.current[cpu], name, cpu);
  core.interrupts.stacks[cpu]?.push(frame);
  core.interrupts.work++;
  const irqEntry = core.cycles.irqEntry;
  core.clocks[cpu] = Math.max(core.clocks[cpu] ?? 0, notBeforeCycles) + irqEntry;
  traceNamed(core, cpu, frame, 'irq_handler_entry', `name=${name}`, irqEntry);
  refresh(core, cpu);
  frame.generator = handler(frame);
  advance(core, cpu, frame, 0);
}

/** The handler on top of `cpu`'s stack has returned. */
export function returnFromIrq(core: MachineCore, cpu: number, frame: IrqFrame): void {
  drainAtSwitch(core, cpu);
  core.interrupts.stacks[cpu]?.pop();
  core.interrupts.work--;
  traceNamed(core, cpu, frame, 'irq_handler_exit', `name=${frame.source}`, 0);
  if (frame.preemptCount !== 0 || frame.codeStack.length > 0) {
    const leak = frame.preemptCount !== 0 ? `with preempt count ${frame.preemptCount}` : `inside ${frame.codeName}`;
    raise(core, 'invalid-op', `interrupt handler ${frame.source} returned ${leak}`, cpu, frame);
    return;
  }
  refresh(core, cpu);
}

/** send_IPI: queues `handler` for `target`; false (with a fault raised) when there is no such CPU. */
export function queueIpi(core: MachineCore, cpu: number, frame: Frame, target: number, name: string, handler: IrqHandler, nowCycles: number): boolean {
  const queue = core.interrupts.pendingIpis[target];
  if (!Number.isInteger(target) || queue === undefined) {
    raise(core, 'invalid-op', `IPI ${name} to CPU ${target}, which does not exist`, cpu, frame);
    return false;
  }
  queue.push({ name, handler, readyAtCycles: nowCycles + core.cycles.ipiLatency });
  core.interrupts.work++;
  refresh(core, target);
  return true;
}
