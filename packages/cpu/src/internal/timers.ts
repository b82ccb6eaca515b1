import type { TimerSave } from '../snapshot.js';
import type { MachineCore } from './core.js';
import { wakeTask } from './sleep-wake.js';

// schedule_timeout()'s timers: a queue of expiry times, earliest first, and the tasks the last
// choice's timers woke (for a model checker's footprints).

/** A pending schedule_timeout() timer. */
export interface Timer {
  readonly id: number;
  readonly pid: number;
  readonly expiresAtCycles: number;
}

/** Pending timers, earliest first. Few exist at once, so a sorted array will do. */
export class TimerQueue {
  private readonly timers: Timer[] = [];
  private nextId = 1;

  get size(): number {
    return this.timers.length;
  }

  /** Timers armed since boot. */
  get armed(): number {
    return this.nextId - 1;
  }

  add(pid: number, expiresAtCycles: number): number {
    const timer: Timer = { id: this.nextId++, pid, expiresAtCycles };
    let index = this.timers.length;
    while (index > 0 && (this.timers[index - 1]?.expiresAtCycles ?? 0) > expiresAtCycles) index--;
    this.timers.splice(index, 0, timer);
    return timer.id;
  }

  cancel(id: number): Timer | undefined {
    const index = this.timers.findIndex((timer) => timer.id === id);
    return index < 0 ? undefined : this.timers.splice(index, 1)[0];
  }

  save(): { readonly timers: readonly Timer[]; readonly nextId: number } {
    return { timers: [...this.timers], nextId: this.nextId };
  }

  load(timers: readonly Timer[], nextId: number): void {
    this.timers.length = 0;
    this.timers.push(...timers);
    this.nextId = nextId;
  }

  /** Removes and returns the earliest timer if it has expired by `nowCycles` (any, when omitted). */
  takeDue(nowCycles = Infinity): Timer | undefined {
    const first = this.timers[0];
    if (first === undefined || first.expiresAtCycles > nowCycles) return undefined;
    return this.timers.shift();
  }
}

export class TimerState {
  readonly queue = new TimerQueue();
  /**
   * Tasks whose timers fired during choice number `wokenAtStep` (the explorer adds those wakes
   * to the choice's footprint). Stamped, so the step loop never has to clear it.
   */
  readonly woken: number[] = [];
  wokenAtStep = 0;
}

/** Fires every timer that expired by `cpu`'s clock, as part of the choice just made on it. */
export function fireDueTimers(core: MachineCore, cpu: number): void {
  const timers = core.timers;
  for (let timer = timers.queue.takeDue(core.clocks[cpu]); timer !== undefined; timer = timers.queue.takeDue(core.clocks[cpu])) {
    if (timers.wokenAtStep !== core.steps) {
      timers.woken.length = 0;
      timers.wokenAtStep = core.steps;
    }
    timers.woken.push(timer.pid);
    fireTimer(core, timer.pid, timer.expiresAtCycles, cpu);
  }
}

/** Lets time pass to the earliest timer and fires it; false when none is pending. */
export function fireEarliestTimer(core: MachineCore): boolean {
  const timer = core.timers.queue.takeDue();
  if (timer === undefined) return false;
  // Nothing else can happen before the timer: the machine sits idle until it expires.
  const cpu = core.tasks[timer.pid]?.cpuNow ?? 0;
  core.clocks[cpu] = Math.max(core.clocks[cpu] ?? 0, timer.expiresAtCycles);
  fireTimer(core, timer.pid, timer.expiresAtCycles, cpu);
  return true;
}

function fireTimer(core: MachineCore, pid: number, expiresAtCycles: number, cpu: number): void {
  const task = core.tasks[pid];
  if (task === undefined) return;
  task.timerId = 0;
  wakeTask(core, task, expiresAtCycles, 0, cpu);
}

export function saveTimers(timers: TimerState): TimerSave {
  return { ...timers.queue.save(), woken: [...timers.woken], wokenAtStep: timers.wokenAtStep };
}

export function loadTimers(timers: TimerState, save: TimerSave): void {
  timers.queue.load(save.timers, save.nextId);
  timers.woken.length = 0;
  timers.woken.push(...save.woken);
  timers.wokenAtStep = save.wokenAtStep;
}
