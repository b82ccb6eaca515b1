import type { Machine } from '@kmodsim/cpu';
import type { StopRound } from './stop-machine.js';

// Host-side bookkeeping of one call's figures: it reads the machine's per-CPU clocks as the
// code runs and charges nothing, so measuring does not change what is measured.

export class RoundClock {
  private startCycles: number;
  private readonly heldSince: Float64Array;
  private readonly held: Float64Array;
  private readonly fnCpus: number[] = [];

  constructor(private readonly machine: Machine, private readonly callerPid: number, callerCpu: number) {
    this.startCycles = machine.clockOf(callerCpu);
    this.heldSince = new Float64Array(machine.cpuCount).fill(-1);
    this.held = new Float64Array(machine.cpuCount);
  }

  /** A clock that goes on from where this one is (for a snapshot of the machine). */
  copy(): RoundClock {
    const copy = new RoundClock(this.machine, this.callerPid, 0);
    copy.startCycles = this.startCycles;
    copy.heldSince.set(this.heldSince);
    copy.held.set(this.held);
    copy.fnCpus.push(...this.fnCpus);
    return copy;
  }

  /** The CPU is now held by the stop. */
  hold(cpu: number): void {
    this.heldSince[cpu] = this.machine.clockOf(cpu);
  }

  /** The CPU is let go. */
  release(cpu: number): void {
    const since = this.heldSince[cpu] ?? -1;
    if (since >= 0) this.held[cpu] = (this.held[cpu] ?? 0) + this.machine.clockOf(cpu) - since;
    this.heldSince[cpu] = -1;
  }

  ranFn(cpu: number): void {
    this.fnCpus.push(cpu);
  }

  finish(callerCpu: number, result: number): StopRound {
    return {
      callerPid: this.callerPid,
      callCycles: this.machine.clockOf(callerCpu) - this.startCycles,
      stoppedCycles: Array.from(this.held),
      fnCpus: [...this.fnCpus],
      result,
    };
  }
}
