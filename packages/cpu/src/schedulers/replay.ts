import type { Choice } from '../choice.js';
import type { Scheduler, SchedulerView } from './scheduler.js';

/**
 * Makes exactly the recorded choices. The machine checks each one is enabled and reports a
 * replay divergence when it is not, or when the list ends while the run goes on.
 */
export class ReplayScheduler implements Scheduler {
  private position = 0;

  constructor(
    private readonly choices: readonly Choice[],
    readonly schedule: string,
  ) {}

  /** Choices not yet made. */
  get remaining(): number {
    return this.choices.length - this.position;
  }

  choose(_view: SchedulerView): Choice {
    const choice = this.choices[this.position];
    if (choice === undefined) throw new ReplayExhausted(this.position);
    this.position++;
    return choice;
  }
}

/** The recorded schedule ended while the run still had work: the run is not the one recorded. */
export class ReplayExhausted extends Error {
  constructor(readonly position: number) {
    super(`the schedule ends after ${position} choices but the run goes on`);
  }
}
