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

/** The pending operation's code for a step (-1 when the CPU has none, -2 for other choices). */
export function pendingCode(machine: Machine, choice: Choice): number {
  if (choice.kind !== 'step' && choice.kind !== 'stale') return -2;
  return machine.pendingOperation(choice.cpu)?.code ?? -1;
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
