import type { Fault, FaultKind } from '../fault.js';
import type { FaultSave } from '../snapshot.js';
import { formatChoiceList } from '../schedule-string.js';
import { NO_CPU, Task, type Frame } from '../task.js';
import { MemoryTraceSink } from '../trace.js';
import type { MachineCore } from './core.js';
import { refresh } from './run-queues.js';
import { drainAtSwitch } from './store-buffers.js';
import { traceNamed } from './tracing.js';

// Faults the machine detects are values: the first one that ends the run, and, under the 'oops'
// policy, the faults that killed a task while the machine went on.

/**
 * What a fault in a task does: end the run ('stop', for checking), or, as a real kernel's oops
 * does, kill the task that faulted and let the machine go on ('oops'). A fault in an interrupt
 * handler, a deadlock or a passed step bound always ends the run.
 */
export type FaultPolicy = 'stop' | 'oops';

export class FaultState {
  /** The fault that ended the run, if one did. */
  current: Fault | undefined = undefined;
  /** Faults that killed a task while the machine went on (policy 'oops'), oldest first. */
  readonly oopses: Fault[] = [];

  constructor(public policy: FaultPolicy) {}
}

const TASK_FAULTS: ReadonlySet<FaultKind> = new Set(['use-after-free', 'call-into-freed-code', 'invalid-access', 'assertion', 'invalid-op', 'exception']);

/** Reports a fault found on `cpu` in `frame` (or in no one place: NO_CPU and no frame). */
export function raise(core: MachineCore, kind: FaultKind, message: string, cpu: number, frame: Frame | undefined): void {
  const faults = core.faults;
  if (faults.current !== undefined) return;
  const fault = faultOf(core, kind, message, cpu, frame);
  if (faults.policy === 'oops' && frame instanceof Task && TASK_FAULTS.has(kind) && core.runQueues.current[cpu] === frame) {
    faults.oopses.push(fault);
    traceNamed(core, cpu, frame, 'oops', `${kind}: ${message}`, 0);
    killTask(core, cpu, frame);
    return;
  }
  faults.current = fault;
  traceNamed(core, cpu < 0 ? 0 : cpu, frame, 'fault', `${kind}: ${message}`, 0);
}

/** The run does not fit the schedule it replays. */
export function diverged(core: MachineCore, why: string): void {
  raise(core, 'replay-diverged', `the schedule does not fit this run at step ${core.steps}: ${why}`, NO_CPU, undefined);
}

/** A choice for a CPU that has nothing to do now: the schedule does not fit. Apart, so that the step loop's text stays small. */
export function nothingToDo(core: MachineCore, cpu: number): void {
  diverged(core, `CPU ${cpu} has nothing to do`);
}

/** With nothing able to run and no timer to wait for: one task asleep for good, or a deadlock. */
export function reportStuck(core: MachineCore): void {
  const asleep = core.tasks.filter((task): task is Task => task !== undefined && !task.daemon && task.state !== 'TASK_DEAD');
  const first = asleep[0];
  if (first === undefined) throw new Error('machine stopped with live tasks but none asleep');
  if (asleep.length === 1) {
    raise(core, 'sleeps-forever', `${first.comm}-${first.pid} sleeps in ${first.state} and nothing left can wake it (a lost wakeup?)`, first.cpuNow, first);
    return;
  }
  const names = asleep.map((task) => `${task.comm}-${task.pid} (${task.state})`).join(', ');
  raise(core, 'deadlock', `no task can run: ${names} are all asleep`, NO_CPU, undefined);
}

/** The choices made so far as a replayable schedule string. */
export function choiceString(core: MachineCore): string {
  return formatChoiceList(core.recorded.toChoices());
}

/** do_exit after an oops: the task dies where it stood; what it held stays held. */
function killTask(core: MachineCore, cpu: number, task: Task): void {
  task.next = undefined;
  task.state = 'TASK_DEAD';
  task.log = undefined;
  task.preemptCount = 0;
  task.irqsOff = false;
  while (task.codeStack.length > 0) task.popCode();
  if (!task.daemon) core.liveTasks--;
  // do_exit() after an oops takes locks: the CPU's buffered stores drain (under 'tso'), as at any switch.
  drainAtSwitch(core, cpu);
  core.runQueues.current[cpu] = undefined;
  refresh(core, cpu);
}

function faultOf(core: MachineCore, kind: FaultKind, message: string, cpu: number, frame: Frame | undefined): Fault {
  return {
    kind,
    message,
    cpu,
    pid: frame?.pid ?? 0,
    comm: frame?.comm ?? '',
    step: core.steps,
    cycles: cpu >= 0 ? core.clocks[cpu] ?? 0 : core.elapsedCycles,
    schedule: core.scheduler.schedule,
    choices: choiceString(core),
    trace: core.trace instanceof MemoryTraceSink ? core.trace.events : [],
  };
}

export function saveFaults(faults: FaultState): FaultSave {
  return { policy: faults.policy, oopses: [...faults.oopses] };
}

/** Loads the policy and the oopses in place of what the state held; a snapshot is never of a faulted run. */
export function loadFaults(faults: FaultState, save: FaultSave): void {
  faults.policy = save.policy;
  faults.current = undefined;
  faults.oopses.length = 0;
  faults.oopses.push(...save.oopses);
}
