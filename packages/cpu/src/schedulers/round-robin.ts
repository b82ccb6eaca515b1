import type { Choice } from '../choice.js';
import type { Scheduler, SchedulerView } from './scheduler.js';

export const DEFAULT_SLICE_STEPS = 1000;

/**
 * Steps the active CPUs in turn. It takes a pending IPI as soon as interrupts allow, never fires
 * other interrupt sources, and preempts a task only when its time slice is used up and another
 * task waits for that CPU: the timer tick of a fair kernel, without the noise.
 */
export class RoundRobinScheduler implements Scheduler {
  private lastCpu = -1;
  readonly schedule: string;

  constructor(private readonly sliceSteps = DEFAULT_SLICE_STEPS) {
    this.schedule = sliceSteps === DEFAULT_SLICE_STEPS ? 'kms1:rr' : `kms1:rr:slice=${sliceSteps}`;
  }

  choose(view: SchedulerView): Choice {
    const cpu = this.nextActive(view);
    this.lastCpu = cpu;
    // Most turns are a plain step: two cheap questions, and the rest kept apart, so that the step loop inlines this.
    if (view.isQuiet(cpu) && view.bufferedStores(cpu) === 0) return view.stepChoice(cpu);
    return this.otherChoice(view, cpu);
  }

  private otherChoice(view: SchedulerView, cpu: number): Choice {
    if (view.ipiDeliverable(cpu)) return { kind: 'ipi', cpu };
    // Under 'tso' a CPU's stores become visible when its turn comes round again: one per turn.
    if (view.bufferedStores(cpu) > 0) return { kind: 'flush', cpu };
    if (view.stepsSinceSwitch(cpu) >= this.sliceSteps && view.runQueueLength(cpu) > 0 && view.preemptible(cpu)) {
      return { kind: 'preempt', cpu, target: cpu };
    }
    return view.stepChoice(cpu);
  }

  private nextActive(view: SchedulerView): number {
    const count = view.cpuCount;
    let cpu = this.lastCpu;
    for (let offset = 1; offset <= count; offset++) {
      cpu = cpu + 1 === count ? 0 : cpu + 1;
      if (view.isActive(cpu)) return cpu;
    }
    throw new Error('round-robin scheduler asked to choose with no active CPU');
  }
}
