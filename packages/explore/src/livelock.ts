import { OpCode, sameChoice, type Choice, type Machine, type Operation } from '@kmodsim/cpu';
import type { Outcome } from './execution.js';
import { goesOnUnderRoundRobin } from './fair-round-robin.js';
import { footprintOf } from './footprint.js';
import type { SpinWatch } from './spin-watch.js';

// Confirming a livelock before it is reported. An execution that ended with every CPU spinning,
// or at the step bound, is a livelock only if the spin really never ends: a loop that gives up
// after some rounds, or an interrupt past the bound that would write what a spinner waits on,
// makes it an execution the bounds cut instead.

/** The outcome is a spin livelock still to confirm: plainly, unless an interrupt past the bound would end it, or a run that reached the step bound. */
export type SpinLivelock = 'none' | 'plain' | 'unless-interrupted' | 'endless-unless-interrupted';

/** A task faulted (the machine killed it and could go on) or the run stopped on a fault. */
export function hasFaulted(machine: Machine): boolean {
  return machine.oopses.length > 0 || machine.fault !== undefined;
}

/**
 * A livelock is confirmed before it is reported; this runs steps, so it comes last.
 *
 * A run that reached the step bound while only interrupts past their bound were left out is
 * taken on under round-robin, interrupts arriving now and then: if it ends, the bound cut it.
 * (A user's unloader polling with schedule_timeout() for a flag nobody sets was called clean.)
 *
 * For a spin, first the spinners are stepped on for a while: the spin watch takes a loop that re-reads the
 * same cells for one that always will, but a loop that gives up after some rounds (a counter
 * in its local variables, which the watch cannot see) leaves them. Then, when only interrupts
 * past their bound were left out, each interrupt that could still arrive is delivered and its
 * handler run to its return: if one writes a cell a spinner waits on, wakes a task, spawns one
 * or sends an IPI, it could end the spin. Either way out makes the execution one the bounds
 * cut, not a livelock. (A user's unloader polling a flag its module_put never sets was called
 * clean without the second check: the demo kernel's device interrupt could always arrive.)
 */
export function confirmLivelock(machine: Machine, spin: SpinWatch, kind: SpinLivelock, outcome: Outcome): Outcome {
  if (kind === 'none') return outcome;
  // A run that reached the step bound: taken on under round-robin with interrupts arriving, does it end?
  if (kind === 'endless-unless-interrupted') return goesOnUnderRoundRobin(machine) ? outcome : { kind: 'cut' };
  const watched = spin.watchedCells();
  if (!spinnersKeepSpinning(machine, spin, watched)) return { kind: 'cut' };
  if (kind === 'plain') return outcome;
  const arrivals = machine.enabledChoices().filter((choice) => choice.kind === 'irq');
  for (const arrival of arrivals) if (handlerCouldEndSpin(machine, arrival, watched)) return { kind: 'cut' };
  return outcome;
}

/** Steps each spinner is taken on before its spin counts as endless (a loop that gives up later than this is taken for a livelock). */
const SPIN_CONFIRM_STEPS = 10_000;

/** Steps each spinning CPU SPIN_CONFIRM_STEPS times: true when every one only went on reading what it waits on. */
function spinnersKeepSpinning(machine: Machine, spin: SpinWatch, watched: ReadonlySet<number>): boolean {
  const spinners = spin.waiters().map((waiter) => ({ cpu: waiter.cpu, context: machine.contextOf(waiter.cpu) }));
  for (let step = 0; step < SPIN_CONFIRM_STEPS; step++) {
    for (const { cpu, context } of spinners) {
      const op = machine.pendingOperation(cpu);
      if (op === undefined || !machine.isActive(cpu) || !staysInSpin(op, watched)) return false;
      const before = op.code === OpCode.Rmw ? machine.read(op.cell) : 0;
      machine.perform(machine.stepChoice(cpu));
      if (hasFaulted(machine) || machine.status !== 'running' || machine.contextOf(cpu) !== context) return false;
      if (op.code === OpCode.Rmw && machine.read(op.cell) !== before) return false;
    }
  }
  return true;
}

/** Steps of an interrupt handler confirmLivelock runs before it gives up telling (and calls the execution cut). */
const HANDLER_PROBE_STEPS = 10_000;

/** Delivers one interrupt and runs its handler: true when it might end a spin (or cannot be told). */
function handlerCouldEndSpin(machine: Machine, arrival: Choice, watched: ReadonlySet<number>): boolean {
  const cpu = arrival.cpu;
  if (hasFaulted(machine) || !machine.enabledChoices().some((choice) => sameChoice(choice, arrival))) return true;
  machine.perform(arrival);
  for (let step = 0; step < HANDLER_PROBE_STEPS && machine.contextOf(cpu)?.inIrq === true; step++) {
    const op = machine.pendingOperation(cpu);
    if (op !== undefined && startsOtherWork(op)) return true;
    if (footprintOf(machine, machine.stepChoice(cpu)).writes.some((location) => watched.has(location))) return true;
    machine.perform(machine.stepChoice(cpu));
    if (hasFaulted(machine)) return true;
  }
  return machine.contextOf(cpu)?.inIrq === true;
}

/** What a spin loop may do and still be the same spin: read what it waits on, relax, yield in place, toggle and note. */
function staysInSpin(op: Operation, watched: ReadonlySet<number>): boolean {
  switch (op.code) {
    case OpCode.Load:
    case OpCode.LoadAcquire:
    case OpCode.Rmw:
      return watched.has(op.cell);
    default:
      return op.code === OpCode.Schedule || isLocal(op);
  }
}

/** Operations of a handler that may let other code run later: a wake, a new task, an IPI. */
function startsOtherWork(op: Operation): boolean {
  return op.code === OpCode.Wake || op.code === OpCode.Spawn || op.code === OpCode.SendIpi;
}

/** A step no other CPU's step depends on, except through the CPU's own run queue: none pending (a dispatch), toggles, relaxing, work. */
export function isLocal(op: Operation | undefined): boolean {
  if (op === undefined) return true;
  switch (op.code) {
    case OpCode.PreemptDisable:
    case OpCode.PreemptEnable:
    case OpCode.IrqDisable:
    case OpCode.IrqEnable:
    case OpCode.IrqSave:
    case OpCode.IrqRestore:
    case OpCode.CpuRelax:
    case OpCode.Work:
    case OpCode.Note:
    case OpCode.Check:
      return true;
    default:
      return false;
  }
}

/** Who spins on what, for a livelock's message: `CPU 0 (worker, in an interrupt handler) on demo_lib.ref[1]`. */
export function describeSpinners(machine: Machine, spin: SpinWatch): string {
  const tasks = machine.taskList();
  return spin.waiters().map(({ cpu, cells }) => {
    const context = machine.contextOf(cpu);
    const who = context === undefined ? '' : ` (${context.comm}${context.inIrq ? ', in an interrupt handler' : ''})`;
    // Tasks runnable on the spinner's CPU but not running: one of them may be what it waits for.
    const queued = tasks.filter((task) => task.cpu === cpu && !task.onCpu && task.state === 'TASK_RUNNING').map((task) => task.comm);
    const behind = queued.length === 0 ? '' : `, with ${queued.join(', ')} queued behind it`;
    return `CPU ${cpu}${who} on ${[...new Set(cells)].map((cell) => machine.memory.describe(cell)).join(', ')}${behind}`;
  }).join('; ');
}
