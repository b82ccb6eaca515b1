import type { Choice } from '../choice.js';
import { createPrng, type Prng } from '../prng.js';
import type { Scheduler, SchedulerView } from './scheduler.js';

export interface RandomSchedulerOptions {
  readonly seed: number;
  /** Chance that an interrupt source fires on the chosen CPU at a step where it may. */
  readonly irqProbability?: number;
  /** Chance that a preemptible task is preempted at a step. */
  readonly preemptProbability?: number;
  /** Chance that a preemption moves the task to another CPU, when it may move. */
  readonly migrateProbability?: number;
}

export const RANDOM_DEFAULTS = { irqProbability: 0.02, preemptProbability: 0.01, migrateProbability: 0.5 } as const;

/** Picks an active CPU uniformly at random each step, with seeded chances of interrupts and preemption. */
export class RandomScheduler implements Scheduler {
  private readonly prng: Prng;
  private readonly irqProbability: number;
  private readonly preemptProbability: number;
  private readonly migrateProbability: number;
  readonly schedule: string;

  constructor(options: RandomSchedulerOptions) {
    this.prng = createPrng(options.seed);
    this.irqProbability = options.irqProbability ?? RANDOM_DEFAULTS.irqProbability;
    this.preemptProbability = options.preemptProbability ?? RANDOM_DEFAULTS.preemptProbability;
    this.migrateProbability = options.migrateProbability ?? RANDOM_DEFAULTS.migrateProbability;
    this.schedule = formatRandomSchedule(options.seed, this.irqProbability, this.preemptProbability, this.migrateProbability);
  }

  choose(view: SchedulerView): Choice {
    const prng = this.prng;
    const cpu = view.activeCpuAt(prng.below(view.activeCpuCount));
    if (view.ipiDeliverable(cpu) && prng.next() < 0.5) return { kind: 'ipi', cpu };
    // Under 'tso' only: draws nothing for a machine with empty buffers, so 'sc' runs keep their schedules.
    if (view.bufferedStores(cpu) > 0 && prng.next() < 0.5) return { kind: 'flush', cpu };
    // Under 'relaxed' only, likewise: a load reads an older value it holds half the time.
    if (view.staleReadable(cpu) && prng.next() < 0.5) return { kind: 'stale', cpu };
    if (view.irqSourceCount > 0 && prng.next() < this.irqProbability) {
      const source = this.pickSource(view, cpu);
      if (source >= 0) return { kind: 'irq', cpu, source };
    }
    if (view.preemptible(cpu) && prng.next() < this.preemptProbability) {
      return { kind: 'preempt', cpu, target: this.pickTarget(view, cpu) };
    }
    return view.stepChoice(cpu);
  }

  private pickSource(view: SchedulerView, cpu: number): number {
    const start = this.prng.below(view.irqSourceCount);
    for (let offset = 0; offset < view.irqSourceCount; offset++) {
      const source = (start + offset) % view.irqSourceCount;
      if (view.irqDeliverable(cpu, source)) return source;
    }
    return -1;
  }

  private pickTarget(view: SchedulerView, cpu: number): number {
    if (view.cpuCount === 1 || !view.migratable(cpu) || this.prng.next() >= this.migrateProbability) return cpu;
    return this.prng.below(view.cpuCount);
  }
}

function formatRandomSchedule(seed: number, irq: number, preempt: number, migrate: number): string {
  const parts = [`kms1:random:${seed}`];
  if (irq !== RANDOM_DEFAULTS.irqProbability) parts.push(`irq=${irq}`);
  if (preempt !== RANDOM_DEFAULTS.preemptProbability) parts.push(`preempt=${preempt}`);
  if (migrate !== RANDOM_DEFAULTS.migrateProbability) parts.push(`migrate=${migrate}`);
  return parts.join(':');
}
