import type { RunQueueSave } from '../snapshot.js';
import type { Frame, Task } from '../task.js';
import type { MachineCore } from './core.js';
import { diverged } from './faults.js';
import { IndexSet } from './index-set.js';
import { advance } from './resume.js';
import { irqsEnabled } from './interrupts.js';
import { drainAtSwitch } from './store-buffers.js';
import { traceNamed } from './tracing.js';

// Each CPU's current task and run queue, and where a runnable task is placed: on its own CPU if
// bound, else preferably an idle one. `active` (CPUs that can do something now) and `idle` (CPUs
// with nothing to run) are kept up to date by refresh() after every change, so that a scheduler's
// questions cost O(1) however many CPUs there are.

export class RunQueueState {
  readonly current: (Task | undefined)[];
  readonly queues: Task[][];
  /** A higher-priority task waits for the CPU: its task switches at its next preemptible step. */
  readonly needResched: Uint8Array;
  /** Steps the current task has run since it was switched in. */
  readonly sliceSteps: Int32Array;
  readonly active: IndexSet;
  readonly idle: IndexSet;
  /**
   * 1 for a CPU on which nothing can happen but its task's next operation: it runs a task, no
   * handler runs on it, no IPI waits for it, no task waits on its run queue (so none waits to
   * preempt it). The step loop's one question about a CPU on most steps (stepCpu, and the
   * round-robin scheduler through SchedulerView.isQuiet); a store buffer is asked about apart.
   */
  readonly quiet: Uint8Array;

  constructor(cpuCount: number) {
    this.current = new Array<Task | undefined>(cpuCount).fill(undefined);
    this.queues = Array.from({ length: cpuCount }, () => []);
    this.needResched = new Uint8Array(cpuCount);
    this.sliceSteps = new Int32Array(cpuCount);
    this.active = new IndexSet(cpuCount);
    this.idle = new IndexSet(cpuCount);
    this.quiet = new Uint8Array(cpuCount);
    for (let cpu = 0; cpu < cpuCount; cpu++) this.idle.add(cpu);
  }
}

/** Who runs on the CPU now: the innermost interrupt handler, else the current task. */
export function topFrame(core: MachineCore, cpu: number): Frame | undefined {
  const irqs = core.interrupts.stacks[cpu];
  if (irqs !== undefined && irqs.length > 0) return irqs[irqs.length - 1];
  return core.runQueues.current[cpu];
}

/** The task on `cpu` may be preempted now (preempt_count 0, interrupts on, not in a handler). */
export function preemptible(core: MachineCore, cpu: number): boolean {
  const task = core.runQueues.current[cpu];
  return task !== undefined && core.interrupts.stacks[cpu]?.length === 0 && task.preemptCount === 0 && !task.irqsOff;
}

/** Queues a runnable task: on its CPU if bound, else preferably an idle one (as select_idle_sibling). */
export function place(core: MachineCore, task: Task, preferredCpu: number): void {
  requeue(core, task, placementCpu(core, task, preferredCpu));
}

/** A bound task goes to its CPU; another to the preferred CPU, or an idle one if that is busy. */
export function placementCpu(core: MachineCore, task: Task, preferredCpu: number): number {
  if (task.bound) return task.homeCpu;
  const idle = core.runQueues.idle;
  return !idle.has(preferredCpu) && idle.size > 0 ? idle.at(0) : preferredCpu;
}

export function requeue(core: MachineCore, task: Task, cpu: number): void {
  const runQueues = core.runQueues;
  task.cpuNow = cpu;
  task.queued = true;
  runQueues.queues[cpu]?.push(task);
  const running = runQueues.current[cpu];
  if (running !== undefined && running.rank < task.rank) runQueues.needResched[cpu] = 1;
  refresh(core, cpu);
}

/** A task of `rank` or higher waits on `cpu`'s run queue. A plain loop: a model checker asks at every step, and a callback would be a closure made each time. */
export function hasWaiterAtLeast(core: MachineCore, cpu: number, rank: number): boolean {
  const queue = core.runQueues.queues[cpu];
  if (queue === undefined) return false;
  for (const task of queue) if (task.rank >= rank) return true;
  return false;
}

/** Still on its CPU (between set_current_state() and schedule()) or queued: a wake only sets it running. */
export function onCpuOrQueued(core: MachineCore, task: Task): boolean {
  return core.runQueues.current[task.cpuNow] === task || task.queued;
}

export function switchOut(core: MachineCore, cpu: number, task: Task, prevState: string): void {
  // The switch takes the runqueue lock: a locked instruction, so the CPU's stores drain (under 'tso').
  drainAtSwitch(core, cpu);
  core.storeBuffers.views?.carryTo(task.pid, cpu);
  core.runQueues.current[cpu] = undefined;
  traceNamed(core, cpu, task, 'sched_switch', `prev_comm=${task.comm} prev_pid=${task.pid} prev_state=${prevState}`, 0);
  refresh(core, cpu);
}

/** Switches `cpu` to the highest-ranked task on its run queue (the oldest among equals). */
export function dispatch(core: MachineCore, cpu: number): void {
  const runQueues = core.runQueues;
  const queue = runQueues.queues[cpu];
  if (queue === undefined || queue.length === 0) return;
  let bestIndex = 0;
  for (let index = 1; index < queue.length; index++) {
    if ((queue[index]?.rank ?? 0) > (queue[bestIndex]?.rank ?? 0)) bestIndex = index;
  }
  const [task] = queue.splice(bestIndex, 1);
  if (task === undefined) return;
  task.queued = false;
  task.cpuNow = cpu;
  runQueues.current[cpu] = task;
  runQueues.needResched[cpu] = hasWaiterAtLeast(core, cpu, task.rank + 1) ? 1 : 0;
  runQueues.sliceSteps[cpu] = 0;
  const contextSwitch = core.cycles.contextSwitch;
  core.clocks[cpu] = Math.max(core.clocks[cpu] ?? 0, task.readyAtCycles) + contextSwitch;
  // Under 'relaxed' the CPU learns what the task carries (relaxed-views.ts): a task that moved here
  // never reads an older value of what it wrote, or saw, before it moved. Before the event, so that
  // the stale copies this drops are traced right under the sched_switch that dropped them.
  core.storeBuffers.views?.receive(task.pid, cpu);
  traceNamed(core, cpu, task, 'sched_switch', `next_comm=${task.comm} next_pid=${task.pid}`, contextSwitch);
  refresh(core, cpu);
  if (task.next === undefined) advance(core, cpu, task, task.resumeValue);
}

/** A `preempt` choice: the task on `cpu` goes to `target`'s run queue (its own: preemption in place). */
export function preemptChoice(core: MachineCore, cpu: number, target: number): void {
  const task = core.runQueues.current[cpu];
  const targetOk = Number.isInteger(target) && target >= 0 && target < core.cpuCount;
  if (task === undefined || !preemptible(core, cpu) || !targetOk || (target !== cpu && task.bound)) {
    diverged(core, `CPU ${cpu} cannot be preempted to CPU ${target} now`);
    return;
  }
  switchOut(core, cpu, task, 'R+');
  task.readyAtCycles = core.clocks[cpu] ?? 0;
  requeue(core, task, target);
  if (target !== cpu) dispatch(core, cpu);
}

/** Brings `cpu`'s membership of the active and idle sets up to date. */
export function refresh(core: MachineCore, cpu: number): void {
  const runQueues = core.runQueues;
  const hasTask = runQueues.current[cpu] !== undefined;
  const queued = (runQueues.queues[cpu]?.length ?? 0) > 0;
  const inIrq = (core.interrupts.stacks[cpu]?.length ?? 0) > 0;
  const ipi = (core.interrupts.pendingIpis[cpu]?.length ?? 0) > 0 && irqsEnabled(core, cpu);
  if (hasTask || queued || inIrq || ipi) runQueues.active.add(cpu);
  else runQueues.active.delete(cpu);
  if (!hasTask && !queued && !inIrq) runQueues.idle.add(cpu);
  else runQueues.idle.delete(cpu);
  runQueues.quiet[cpu] = quietness(core, cpu);
}

/** 1 when `cpu` is quiet (see RunQueueState.quiet), else 0. */
function quietness(core: MachineCore, cpu: number): number {
  const runQueues = core.runQueues;
  const interrupts = core.interrupts;
  const quiet = runQueues.current[cpu] !== undefined && runQueues.queues[cpu]?.length === 0 && runQueues.needResched[cpu] === 0 && interrupts.stacks[cpu]?.length === 0 && interrupts.pendingIpis[cpu]?.length === 0;
  return quiet ? 1 : 0;
}

/**
 * Brings every CPU's quiet byte up to date after a snapshot is loaded, which sets run queues and
 * interrupts as they were saved (and the active and idle sets in their saved order, not through refresh).
 */
export function refreshQuiet(core: MachineCore): void {
  for (let cpu = 0; cpu < core.cpuCount; cpu++) core.runQueues.quiet[cpu] = quietness(core, cpu);
}

export function saveRunQueues(core: MachineCore): RunQueueSave {
  const runQueues = core.runQueues;
  return {
    current: runQueues.current.map((task) => task?.pid ?? 0),
    queues: runQueues.queues.map((queue) => queue.map((task) => task.pid)),
    needResched: runQueues.needResched.slice(),
    sliceSteps: runQueues.sliceSteps.slice(),
    active: runQueues.active.list(),
    idle: runQueues.idle.list(),
  };
}

/** Loads saved run queues; the tasks they name must be in core.tasks already. */
export function loadRunQueues(core: MachineCore, save: RunQueueSave): void {
  const runQueues = core.runQueues;
  const taskOf = (pid: number): Task => {
    const task = core.tasks[pid];
    if (task === undefined) throw new Error(`a saved run queue names pid ${pid}, which the snapshot lacks`);
    return task;
  };
  save.current.forEach((pid, cpu) => { runQueues.current[cpu] = pid === 0 ? undefined : taskOf(pid); });
  save.queues.forEach((pids, cpu) => { runQueues.queues[cpu] = pids.map(taskOf); });
  runQueues.needResched.set(save.needResched);
  runQueues.sliceSteps.set(save.sliceSteps);
  runQueues.active.load(save.active);
  runQueues.idle.load(save.idle);
}
