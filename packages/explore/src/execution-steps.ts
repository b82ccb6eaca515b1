import { OpCode, type Choice, type Machine, type Operation } from '@kmodsim/cpu';
import type { Footprint } from './footprint.js';

// What an execution asks of the operations it performs and of the machine it ends with.

export function union(a: Footprint, b: Footprint): Footprint {
  return { cpu: a.cpu, reads: [...a.reads, ...b.reads], writes: [...a.writes, ...b.writes] };
}

/** Operations that end a task's turn on its CPU when they switch: sleeping and exiting. */
export function blocks(op: Operation): boolean {
  return op.code === OpCode.Schedule || op.code === OpCode.ScheduleTimeout || op.code === OpCode.Exit;
}

/** Operations whose step switches tasks by itself (their footprints already say so). */
export function switchesItself(op: Operation): boolean {
  return op.code === OpCode.Schedule || op.code === OpCode.ScheduleTimeout || op.code === OpCode.Exit || op.code === OpCode.SetAffinity;
}

/** A choice's pending operation's code, as a replay checks it: -1 for a step whose CPU had none, -2 for a choice other than a step. */
export function opCodeOf(op: Operation | undefined, stepLike: boolean): number {
  return stepLike ? op?.code ?? -1 : -2;
}

/** A short fingerprint of the final state: every allocated cell's value and every task's state. */
export function outcomeSignature(machine: Machine): string {
  let hash = 0x811c9dc5;
  const mix = (value: number): void => {
    hash = Math.imul(hash ^ (value | 0), 0x01000193) >>> 0;
    hash = Math.imul(hash ^ Math.floor(value / 2 ** 32), 0x01000193) >>> 0;
  };
  for (let address = 0; address < machine.memory.size; address++) {
    if (machine.memory.objectIdAt(address) >= 0) mix(machine.read(address));
  }
  for (const task of machine.taskList()) mix(task.state === 'TASK_DEAD' ? 1 : 0);
  return hash.toString(16);
}

/** A number for a choice: steps, then IPIs, then interrupt sources, then preemptions, time, store buffer flushes, and stale loads. */
export function choiceKey(choice: Choice, cpus: number, irqSources: number): number {
  switch (choice.kind) {
    case 'step':
      return choice.cpu;
    case 'ipi':
      return cpus + choice.cpu;
    case 'irq':
      return 2 * cpus + choice.source * cpus + choice.cpu;
    case 'preempt':
      return (2 + irqSources) * cpus + choice.cpu * cpus + choice.target;
    case 'time':
      return (3 + irqSources) * cpus * cpus;
    case 'flush':
      return (3 + irqSources) * cpus * cpus + 1 + choice.cpu;
    case 'stale':
      return (3 + irqSources) * cpus * cpus + 1 + cpus + choice.cpu;
  }
}

const SWITCHED = 1;
const BUFFERED = 2;
const IN_IRQ = 4;

/**
 * What a step did that is known only by asking the machine before and after it, packed into one
 * small number: whether its CPU ran another frame after it, whether it left a store buffered,
 * whether it ran in an interrupt handler, and the cell of a read-modify-write that left it as it
 * was (else -1). A replay of the step takes these as given instead of asking again.
 */
export function stepFacts(switched: boolean, buffered: boolean, inIrq: boolean, unchangedCell: number): number {
  return (switched ? SWITCHED : 0) | (buffered ? BUFFERED : 0) | (inIrq ? IN_IRQ : 0) | ((unchangedCell + 1) << 3);
}

/** Whether the facts of a step say its CPU ran another frame after it. */
export function switchedIn(facts: number): boolean {
  return (facts & SWITCHED) !== 0;
}

/** Whether the facts of a step say it left a store in its CPU's buffer. */
export function bufferedIn(facts: number): boolean {
  return (facts & BUFFERED) !== 0;
}

/** The cell of a read-modify-write that left it as it was, from a step's facts, else -1 (cells are below 2^24, so the facts stay small integers). */
export function unchangedCellOf(facts: number): number {
  return (facts >>> 3) - 1;
}

/** Whether the facts of a step say it ran in an interrupt handler. */
export function ranInIrq(facts: number): boolean {
  return (facts & IN_IRQ) !== 0;
}
