import { OpCode, type Operation } from '@kmodsim/cpu';
import type { Footprint } from './footprint.js';

/**
 * Keeps spin loops from blowing up a search, as GenMC and loom do: a CPU that calls cpu_relax()
 * after only reading cells is waiting for one of them to change, so it is not scheduled again
 * until another CPU writes one of those cells (or an interrupt or preemption changes what it
 * runs). If every CPU that could run is waiting so, nothing can ever change: a livelock.
 */
export class SpinWatch {
  private readonly readsSinceWrite: Set<number>[];
  private readonly waitingOn: (Set<number> | undefined)[];

  constructor(cpuCount: number) {
    this.readsSinceWrite = Array.from({ length: cpuCount }, () => new Set<number>());
    this.waitingOn = new Array<Set<number> | undefined>(cpuCount).fill(undefined);
  }

  isWaiting(cpu: number): boolean {
    return this.waitingOn[cpu] !== undefined;
  }

  get anyWaiting(): boolean {
    return this.waitingOn.some((cells) => cells !== undefined);
  }

  /** Records a performed choice: `op` is what a step executed (undefined for other choices). */
  record(cpu: number, kind: 'step' | 'other', op: Operation | undefined, footprint: Footprint): void {
    this.wakeWaitersOn(cpu, footprint);
    const reads = this.readsSinceWrite[cpu];
    if (reads === undefined) return;
    if (kind === 'other' || op === undefined) {
      this.waitingOn[cpu] = undefined;
      reads.clear();
      return;
    }
    switch (op.code) {
      case OpCode.Load:
        reads.add(op.cell);
        return;
      case OpCode.CpuRelax:
        if (reads.size > 0) this.waitingOn[cpu] = new Set(reads);
        reads.clear();
        return;
      case OpCode.Store:
      case OpCode.Rmw:
        reads.clear();
        return;
      default:
        return;
    }
  }

  private wakeWaitersOn(writer: number, footprint: Footprint): void {
    if (footprint.writes.length === 0) return;
    for (let cpu = 0; cpu < this.waitingOn.length; cpu++) {
      const cells = this.waitingOn[cpu];
      if (cpu !== writer && cells !== undefined && footprint.writes.some((location) => cells.has(location))) this.waitingOn[cpu] = undefined;
    }
  }
}
