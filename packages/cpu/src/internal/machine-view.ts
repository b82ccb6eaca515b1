import type { Choice } from '../choice.js';
import type { Operation } from '../ops.js';
import type { SchedulerView } from '../schedulers/scheduler.js';
import { ChoiceObjects } from './choice-objects.js';
import type { MachineCore } from './core.js';
import { staleReadable } from './interpreter.js';
import { ipiDeliverable, irqDeliverable } from './interrupts.js';
import { bufferedCells, bufferedCount, type MemoryModelName } from './store-buffers.js';
import { hasWaiterAtLeast, onCpuOrQueued, placementCpu, preemptible, topFrame, type RunQueueState } from './run-queues.js';

// The narrow view of a machine a scheduler decides from (SchedulerView: cheap questions, so a
// decision costs the same at 1024 CPUs as at 2), and what a model checker asks besides: the
// operation each CPU will perform next, what a wake would do, which timers the last choice fired.
// It only reads; Machine extends it with everything that changes the machine.

/** What a wake_up_process() of a task would do if it ran now (for a model checker's dependencies). */
export interface WakeEffect {
  /** The run queue the task would join, or -1 when the wake only sets it running (not asleep, or still on a CPU or queue). */
  readonly runQueue: number;
  /** True when that queue was picked by looking at which CPUs are idle (the task is not bound). */
  readonly readsIdleCpus: boolean;
  /** True when the wake cancels the task's schedule_timeout() timer. */
  readonly cancelsTimer: boolean;
}

const NO_PIDS: readonly number[] = [];

export class MachineView implements SchedulerView {
  readonly cpuCount: number;
  /** The run queues' state, held directly: the scheduler asks about it at every step. */
  private readonly runQueues: RunQueueState;
  private readonly choices: ChoiceObjects;

  protected constructor(protected readonly core: MachineCore) {
    this.cpuCount = core.cpuCount;
    this.runQueues = core.runQueues;
    this.choices = new ChoiceObjects(core.cpuCount);
  }

  get activeCpuCount(): number {
    return this.runQueues.active.size;
  }

  activeCpuAt(index: number): number {
    return this.runQueues.active.at(index);
  }

  isActive(cpu: number): boolean {
    return this.runQueues.active.has(cpu);
  }

  isQuiet(cpu: number): boolean {
    return this.runQueues.quiet[cpu] === 1;
  }

  stepChoice(cpu: number): Choice {
    return this.choices.step(cpu);
  }

  ipiDeliverable(cpu: number): boolean {
    return ipiDeliverable(this.core, cpu);
  }

  get irqSourceCount(): number {
    return this.core.interrupts.sources.length;
  }

  irqDeliverable(cpu: number, source: number): boolean {
    return irqDeliverable(this.core, cpu, source);
  }

  preemptible(cpu: number): boolean {
    return preemptible(this.core, cpu);
  }

  migratable(cpu: number): boolean {
    const task = this.runQueues.current[cpu];
    return task !== undefined && !task.bound && this.cpuCount > 1;
  }

  runQueueLength(cpu: number): number {
    return this.runQueues.queues[cpu]?.length ?? 0;
  }

  stepsSinceSwitch(cpu: number): number {
    return this.runQueues.sliceSteps[cpu] ?? 0;
  }

  enabledChoices(): Choice[] {
    const enabled: Choice[] = [];
    const choices = this.choices;
    for (let cpu = 0; cpu < this.cpuCount; cpu++) {
      if (!this.isActive(cpu)) continue;
      enabled.push(choices.step(cpu));
      if (this.staleReadable(cpu)) enabled.push(choices.stale(cpu));
      if (this.ipiDeliverable(cpu)) enabled.push(choices.ipi(cpu));
      for (let source = 0; source < this.irqSourceCount; source++) {
        if (this.irqDeliverable(cpu, source)) enabled.push(choices.irq(cpu, source));
      }
      if (!this.preemptible(cpu)) continue;
      // Preempting in place only matters when a queued task may run instead: a stopper thread
      // put back behind ordinary tasks would be dispatched again at once.
      const task = this.runQueues.current[cpu];
      if (task !== undefined && hasWaiterAtLeast(this.core, cpu, task.rank)) enabled.push(choices.preempt(cpu, cpu));
      if (!this.migratable(cpu)) continue;
      for (let target = 0; target < this.cpuCount; target++) {
        if (target !== cpu) enabled.push(choices.preempt(cpu, target));
      }
    }
    if (this.core.storeBuffers.count > 0) {
      for (let cpu = 0; cpu < this.cpuCount; cpu++) if (bufferedCount(this.core, cpu) > 0) enabled.push(choices.flush(cpu));
    }
    return enabled;
  }

  /** The machine's memory model: 'sc'; 'tso', with a store buffer per CPU; 'relaxed', with stale reads too. */
  get memoryModel(): MemoryModelName {
    return this.core.storeBuffers.model;
  }

  bufferedStores(cpu: number): number {
    return bufferedCount(this.core, cpu);
  }

  staleReadable(cpu: number): boolean {
    return this.core.storeBuffers.views !== undefined && staleReadable(this.core, cpu);
  }

  /** The cells of `cpu`'s buffered stores, oldest first; a task's state (__set_current_state) is -1 - pid. */
  bufferedCells(cpu: number): number[] {
    return bufferedCells(this.core, cpu);
  }

  /** The cells (and task states, as -1 - pid) a drain in the last choice made visible: a model checker's footprint of that step. */
  get drainedByLastChoice(): readonly number[] {
    const buffers = this.core.storeBuffers;
    return buffers.drainedAtStep === this.core.steps ? buffers.drained : NO_PIDS;
  }

  /** A schedule_timeout() timer is armed: a `time` choice can fire it. */
  get timerPending(): boolean {
    return this.core.timers.queue.size > 0;
  }

  /** The operation the CPU's running frame will perform at its next step, if it has one. */
  pendingOperation(cpu: number): Operation | undefined {
    return topFrame(this.core, cpu)?.next;
  }

  /** The code object the CPU executes in now (-1 for the kernel's own code): every step reads it. */
  codeObjectOf(cpu: number): number {
    return topFrame(this.core, cpu)?.codeTop ?? -1;
  }

  /**
   * The tasks whose schedule_timeout() timers the last choice's step fired: a step that carries
   * its CPU's clock past an expiry wakes the timer's task as part of that step.
   */
  get timerWakesOfLastChoice(): readonly number[] {
    const timers = this.core.timers;
    return timers.wokenAtStep === this.core.steps ? timers.woken : NO_PIDS;
  }

  /** Who is on the CPU now: the interrupt handler's context or the task's. */
  contextOf(cpu: number): { readonly pid: number; readonly comm: string; readonly inIrq: boolean } | undefined {
    return topFrame(this.core, cpu);
  }

  /** What a wake of `pid` would do now, as wakeTask() decides it; undefined for no such task. */
  wakeEffect(pid: number): WakeEffect | undefined {
    const task = this.core.tasks[pid];
    if (task === undefined) return pid > 0 && pid < this.core.tasks.length ? { runQueue: -1, readsIdleCpus: false, cancelsTimer: false } : undefined;
    const asleep = task.state === 'TASK_UNINTERRUPTIBLE' || task.state === 'TASK_INTERRUPTIBLE';
    const cancelsTimer = asleep && task.timerId !== 0;
    if (!asleep || onCpuOrQueued(this.core, task)) return { runQueue: -1, readsIdleCpus: false, cancelsTimer };
    return { runQueue: placementCpu(this.core, task, task.cpuNow), readsIdleCpus: !task.bound, cancelsTimer };
  }
}
