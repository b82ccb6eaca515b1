import { RoundRobinScheduler, type Choice, type Machine, type Scheduler, type SchedulerView } from '@kmodsim/cpu';

// How a livelock is told from a run that was only cut short: the run is taken on under
// round-robin with every interrupt source given its turn now and then (a spin an interrupt
// handler would end is no livelock), and one still going LIVELOCK_CONFIRM_STEPS later is one.

/** Steps a run is taken on, under FairRoundRobin, before it counts as a livelock. */
export const LIVELOCK_CONFIRM_STEPS = 100_000;

/** How often FairRoundRobin lets an interrupt arrive. */
const INTERRUPT_EVERY_STEPS = 1000;

/** The recorded choices first, if any, then round-robin with interrupts arriving now and then. */
export class FairRoundRobin implements Scheduler {
  private position = 0;
  private afterwards = 0;
  private nextInterrupt = 0;
  private readonly roundRobin = new RoundRobinScheduler();

  constructor(readonly schedule: string, private readonly choices: readonly Choice[] = []) {}

  choose(view: SchedulerView): Choice {
    const choice = this.choices[this.position];
    if (choice !== undefined) {
      this.position++;
      return choice;
    }
    if (++this.afterwards % INTERRUPT_EVERY_STEPS === 0) {
      const interrupts = view.enabledChoices().filter((enabled) => enabled.kind === 'irq');
      const interrupt = interrupts[this.nextInterrupt++ % Math.max(1, interrupts.length)];
      if (interrupt !== undefined) return interrupt;
    }
    return this.roundRobin.choose(view);
  }
}

/** Takes a machine on under FairRoundRobin for LIVELOCK_CONFIRM_STEPS steps: true when its run is still going. */
export function goesOnUnderRoundRobin(machine: Machine): boolean {
  const scheduler = new FairRoundRobin('');
  const oopses = machine.oopses.length;
  for (let step = 0; step < LIVELOCK_CONFIRM_STEPS && machine.status === 'running' && machine.oopses.length === oopses; step++) {
    if (machine.activeCpuCount === 0) machine.advanceIdle();
    else machine.perform(scheduler.choose(machine));
  }
  // A fault on the way is an end of its own: no livelock is claimed then.
  return machine.status === 'running' && machine.oopses.length === oopses;
}
