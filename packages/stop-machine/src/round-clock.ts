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

/**
 * stop_machine's host state as plain data, for a snapshot in bytes: the last call's figures. A
 * call under way holds its callback, which is code, so a machine is saved to bytes only between calls.
 */
export function encodeStopState(callUnderWay: boolean, last: StopRound | undefined): unknown {
  if (callUnderWay) throw new Error('a stop_machine call is under way (its callback is code, which cannot be saved)');
  return { last: last ?? null };
}

/** What encodeStopState wrote: the last call's figures. */
export function decodeStopState(data: unknown): StopRound | undefined {
  const last = (data as { last?: unknown } | null)?.last;
  if (last === null) return undefined;
  if (!isStopRound(last)) throw new Error('stop_machine\'s last call is not laid out as a StopRound');
  return last;
}

function isStopRound(value: unknown): value is StopRound {
  if (typeof value !== 'object' || value === null) return false;
  const round = value as Record<string, unknown>;
  const numbers = (list: unknown): boolean => Array.isArray(list) && list.every((item) => typeof item === 'number');
  return typeof round.callerPid === 'number' && typeof round.callCycles === 'number' && typeof round.result === 'number' && numbers(round.stoppedCycles) && numbers(round.fnCpus);
}
