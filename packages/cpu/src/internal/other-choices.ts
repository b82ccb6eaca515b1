import type { Choice } from '../choice.js';
import type { MachineCore } from './core.js';
import { diverged, nothingToDo } from './faults.js';
import { deliverIpi, deliverIrq } from './interrupts.js';
import { preemptChoice } from './run-queues.js';
import { stepCpu, staleReadable } from './interpreter.js';
import { flushOldest } from './store-buffers.js';
import { fireDueTimers, fireEarliestTimer } from './timers.js';

// Every choice but a CPU's step: an interrupt, an IPI, a preemption, time passing, a store
// buffer's flush, or a load of a stale copy. Rarer than steps, so kept out of the step loop's
// path (Machine.perform).

export function performOther(core: MachineCore, choice: Exclude<Choice, { kind: 'step' }>): void {
  const cpu = choice.cpu;
  if (core.record) core.recorded.push(choice);
  core.steps++;
  if (choice.kind === 'time') {
    if (!fireEarliestTimer(core)) diverged(core, 'time cannot pass to a timer: none is pending');
    return;
  }
  if (choice.kind === 'flush') {
    if (!flushOldest(core, cpu)) diverged(core, `CPU ${cpu} has no buffered store to make visible`);
    return;
  }
  if (!core.runQueues.active.has(cpu)) {
    nothingToDo(core, cpu);
    return;
  }
  switch (choice.kind) {
    case 'stale':
      if (!staleReadable(core, cpu)) {
        diverged(core, `CPU ${cpu} has no load of a cell it holds an older value of`);
        return;
      }
      core.readStale = true;
      stepCpu(core, cpu);
      core.readStale = false;
      break;
    case 'irq':
      deliverIrq(core, cpu, choice.source);
      break;
    case 'ipi':
      deliverIpi(core, cpu);
      break;
    case 'preempt':
      preemptChoice(core, cpu, choice.target);
      break;
  }
  if (core.timers.queue.size > 0) fireDueTimers(core, cpu);
}
