/** Pending schedule_timeout() timers, earliest first. Few exist at once, so a sorted array will do. */
export interface Timer {
  readonly id: number;
  readonly pid: number;
  readonly expiresAtCycles: number;
}

export class TimerQueue {
  private readonly timers: Timer[] = [];
  private nextId = 1;

  get size(): number {
    return this.timers.length;
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

  /** Removes and returns the earliest timer if it has expired by `nowCycles` (any, when omitted). */
  takeDue(nowCycles = Infinity): Timer | undefined {
    const first = this.timers[0];
    if (first === undefined || first.expiresAtCycles > nowCycles) return undefined;
    return this.timers.shift();
  }
}
