import type { Choice } from '../choice.js';

/** What a scheduler may look at to decide: cheap queries, so a decision costs the same at 1024 CPUs as at 2. */
export interface SchedulerView {
  readonly cpuCount: number;
  /** CPUs that can do something now: run an operation, take an IPI, or switch to a queued task. */
  readonly activeCpuCount: number;
  /** The i-th active CPU; the order is arbitrary but the same in every run with the same choices. */
  activeCpuAt(index: number): number;
  isActive(cpu: number): boolean;
  /**
   * Nothing can happen on `cpu` now but its task's next operation: no IPI waits for it, no
   * handler runs on it, no task waits on its run queue. One load: a scheduler asks at every step.
   */
  isQuiet(cpu: number): boolean;
  /** The (shared, allocation-free) step choice for a CPU. */
  stepChoice(cpu: number): Choice;
  /** An IPI is pending on `cpu` and its interrupts are on. */
  ipiDeliverable(cpu: number): boolean;
  readonly irqSourceCount: number;
  /** Source `source` may fire on `cpu` now (its interrupts are on and the source has budget left). */
  irqDeliverable(cpu: number, source: number): boolean;
  /** The task on `cpu` may be preempted now (preempt_count 0, interrupts on, not in a handler). */
  preemptible(cpu: number): boolean;
  /** The task on `cpu` may run elsewhere (it is not bound). */
  migratable(cpu: number): boolean;
  runQueueLength(cpu: number): number;
  /** Steps the current task of `cpu` has run since it was switched in: its time slice so far. */
  stepsSinceSwitch(cpu: number): number;
  /** Stores `cpu` has buffered that other CPUs cannot see yet (always 0 under 'sc'): a `flush` choice makes the oldest visible. */
  bufferedStores(cpu: number): number;
  /** Under 'relaxed': the CPU's next step is a load that may read an older value it holds (a `stale` choice). */
  staleReadable(cpu: number): boolean;
  /** Every choice enabled now, in a canonical order; costs O(CPUs), for explorers and replays. */
  enabledChoices(): Choice[];
}

/** Makes every decision of a run. Deterministic: the same view sequence gives the same choices. */
export interface Scheduler {
  /** A schedule string that builds this scheduler afresh, and so replays its runs exactly. */
  readonly schedule: string;
  choose(view: SchedulerView): Choice;
}
