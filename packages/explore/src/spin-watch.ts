import { OpCode, type Operation } from '@kmodsim/cpu';
import { OBJECT_BASE, type Footprint } from './footprint.js';

/**
 * Keeps spin loops from blowing up a search, as GenMC and loom do: a CPU that calls cpu_relax()
 * after only reading cells is waiting for one of them to change, so it is not scheduled again
 * until another CPU writes one of those cells (or an interrupt or preemption changes what it
 * runs). A yield loop (schedule() while TASK_RUNNING that comes straight back, as 2.6.0's
 * stop_refcounts waits for its threads) waits the same way. If every CPU that could run is
 * waiting so, and no choice a bound left out could change that, nothing can ever change: a
 * livelock.
 */
export class SpinWatch {
  /**
   * Per CPU: cells read since its last write, its last relax, or its last change of context, each
   * followed by 1 once the cell has been written since it was read (else 0): a cell written
   * between a read and the relax after it is no reason to wait. (Marked in the few reads held
   * rather than counted per cell in a map, which cost a lookup or two at every step.)
   */
  private readonly readsSinceWrite: number[][];
  /** Per CPU: the cells it waits on, or undefined when it is not waiting. */
  private readonly waitingOn: (number[] | undefined)[];
  private waiting = 0;

  constructor(cpuCount: number) {
    // Plain loops: Array.from with a callback cost more than they do, made once per execution.
    this.readsSinceWrite = [];
    this.waitingOn = [];
    for (let cpu = 0; cpu < cpuCount; cpu++) {
      this.readsSinceWrite.push([]);
      this.waitingOn.push(undefined);
    }
  }

  isWaiting(cpu: number): boolean {
    return this.waitingOn[cpu] !== undefined;
  }

  /** The CPUs waiting, each with the cells it waits on. */
  waiters(): { readonly cpu: number; readonly cells: readonly number[] }[] {
    const found: { cpu: number; cells: readonly number[] }[] = [];
    this.waitingOn.forEach((cells, cpu) => { if (cells !== undefined) found.push({ cpu, cells }); });
    return found;
  }

  /** Every cell some CPU waits on. */
  watchedCells(): Set<number> {
    const cells = new Set<number>();
    for (const waiting of this.waitingOn) if (waiting !== undefined) for (const cell of waiting) cells.add(cell);
    return cells;
  }

  /** A 32-bit hash of what the watch holds (reads since a write, cells waited on): part of a state (see state-search.ts). */
  hash(seed: number): number {
    let hash = seed;
    const mix = (value: number): void => { hash = Math.imul(hash ^ value, 0x5bd1e995) >>> 0; };
    for (let cpu = 0; cpu < this.readsSinceWrite.length; cpu++) {
      const reads = this.readsSinceWrite[cpu] ?? [];
      mix(reads.length);
      for (const word of reads) mix(word);
      const cells = this.waitingOn[cpu];
      mix(cells === undefined ? -1 : cells.length);
      for (const cell of cells ?? []) mix(cell);
    }
    return hash;
  }

  get anyWaiting(): boolean {
    return this.waiting > 0;
  }

  /**
   * Records a performed choice. `op` is what a step executed (undefined for other choices and for
   * a step that only switched tasks); `switched` is true when the CPU runs another frame after it.
   * `unchangedCell` is the cell of a read-modify-write that left it as it was (a failed cmpxchg),
   * else -1: that step only read the cell, so a loop of them waits like a loop of loads, and it
   * wakes no one waiting on the cell.
   */
  record(cpu: number, op: Operation | undefined, footprint: Footprint, switched: boolean, unchangedCell = -1, writer = cpu): void {
    if (footprint.writes.length > 0) {
      for (const location of footprint.writes) {
        if (location < OBJECT_BASE && location !== unchangedCell) this.markWritten(location);
      }
      if (this.waiting > 0) this.wakeWaitersOn(writer, footprint.writes, unchangedCell);
      // A flush of the writer's own store buffer: what the writer read of those cells is still what it reads now.
      if (writer !== cpu) this.refreshReads(writer, footprint.writes);
    }
    const reads = this.readsSinceWrite[cpu];
    if (reads === undefined) return;
    if (op === undefined || (switched && op.code !== OpCode.Schedule)) {
      this.stopWaiting(cpu);
      forget(reads);
      return;
    }
    switch (op.code) {
      case OpCode.Load:
      case OpCode.LoadAcquire:
        reads.push(op.cell, 0);
        return;
      case OpCode.Schedule:
        // A schedule() that switched away really slept or yielded the CPU; one that came straight
        // back is a relax in a yield loop.
        if (switched) {
          this.stopWaiting(cpu);
          forget(reads);
          return;
        }
        this.relax(cpu, reads);
        return;
      case OpCode.CpuRelax:
        this.relax(cpu, reads);
        return;
      case OpCode.Rmw:
        if (op.cell === unchangedCell) {
          reads.push(op.cell, 0);
          return;
        }
        forget(reads);
        return;
      case OpCode.Store:
      case OpCode.StoreRelease:
        forget(reads);
        return;
      default:
        return;
    }
  }

  /**
   * A relax after reads waits for one of the cells read to change, unless one already has since
   * it was read: then the next round of the loop sees a new value, and nothing needs waiting for.
   */
  private relax(cpu: number, reads: number[]): void {
    if (reads.length > 0 && this.unchangedSinceRead(reads)) {
      const cells: number[] = [];
      for (let index = 0; index < reads.length; index += 2) cells.push(reads[index] ?? -1);
      if (this.waitingOn[cpu] === undefined) this.waiting++;
      this.waitingOn[cpu] = cells;
    }
    forget(reads);
  }

  /** Marks every read of `cell` that a CPU holds as written since. */
  private markWritten(cell: number): void {
    for (const reads of this.readsSinceWrite) {
      for (let index = 0; index < reads.length; index += 2) if (reads[index] === cell) reads[index + 1] = 1;
    }
  }

  private unchangedSinceRead(reads: readonly number[]): boolean {
    for (let index = 0; index < reads.length; index += 2) {
      if (reads[index + 1] !== 0) return false;
    }
    return true;
  }

  private refreshReads(cpu: number, writes: readonly number[]): void {
    const reads = this.readsSinceWrite[cpu];
    if (reads === undefined) return;
    for (let index = 0; index < reads.length; index += 2) {
      if (writes.includes(reads[index] ?? -1)) reads[index + 1] = 0;
    }
  }

  private stopWaiting(cpu: number): void {
    if (this.waitingOn[cpu] === undefined) return;
    this.waitingOn[cpu] = undefined;
    this.waiting--;
  }

  private wakeWaitersOn(writer: number, writes: readonly number[], unchangedCell: number): void {
    for (let cpu = 0; cpu < this.waitingOn.length; cpu++) {
      const cells = this.waitingOn[cpu];
      if (cpu === writer || cells === undefined) continue;
      for (const location of writes) {
        if (location !== unchangedCell && cells.includes(location)) {
          this.stopWaiting(cpu);
          break;
        }
      }
    }
  }
}

/** Empties a CPU's reads. Popped: setting an array's length is a slow runtime call in V8, and this runs at most steps. */
function forget(reads: number[]): void {
  while (reads.length > 0) reads.pop();
}
