import { OpCode, type Operation, type SleepState } from '../ops.js';
import type { MachineCore } from './core.js';
import { raise } from './faults.js';
import type { RelaxedSave } from '../snapshot.js';
import { loadRelaxed } from './relaxed-snapshot.js';
import { RelaxedViews, type WriteTag } from './relaxed-views.js';
import { topFrame } from './run-queues.js';
import { traceNamed } from './tracing.js';

// x86-TSO's store buffers (Sewell, Sarkar, Owens, Zappa Nardelli, Myreen: "x86-TSO: A Rigorous
// and Usable Programmer's Model for x86 Multiprocessors", CACM 2010). Under the 'tso' memory
// model each CPU's plain stores go into a FIFO buffer of its own; its loads read its own newest
// buffered store of the cell first, memory otherwise; a `flush` choice makes the CPU's oldest
// buffered store visible to every other CPU. Draining (every buffered store made visible, in
// order) happens where x86 or the kernel orders: a locked read-modify-write, smp_mb(), an
// interrupt's entry and exit, a context switch (the runqueue lock is a locked instruction), and
// the kernel calls that take a lock before they look at shared state (wake_up_process(),
// schedule(), kfree, kthread_run, smp_call_function).
//
// A store's cost (its cache-line transfer) is charged when it is performed, as under 'sc': the
// buffer changes when others see a value, not what the store costs. __set_current_state() is a
// plain store too: it joins the buffer as an entry for the task's state (cell -1 - pid), so that
// a wake on another CPU can miss it, the lost wakeup that set_current_state()'s barrier prevents.
//
// The 'relaxed' model keeps these buffers and adds stale reads ordered by views (relaxed-views.ts):
// every drain there is also a full barrier, even of an empty buffer.

export type MemoryModelName = 'sc' | 'tso' | 'relaxed';
export const MEMORY_MODEL_NAMES: readonly MemoryModelName[] = ['sc', 'tso', 'relaxed'];

const STATE_CODES: readonly (SleepState | 'TASK_RUNNING')[] = ['TASK_RUNNING', 'TASK_UNINTERRUPTIBLE', 'TASK_INTERRUPTIBLE'];

export class StoreBufferState {
  /** Per CPU: its buffered stores, oldest first, as (cell, value) pairs; a task's state is cell -1 - pid. */
  readonly entries: number[][];
  /** Buffered stores on all CPUs together: 0 lets every check end at once. */
  count = 0;
  /** The cells the latest drain made visible (a model checker adds them to the step's footprint), and that step's number. */
  readonly drained: number[] = [];
  drainedAtStep = -1;
  /** Under 'relaxed': each CPU's views and stale copies, and the tags of its buffered stores (one per entry, oldest first). */
  readonly views: RelaxedViews | undefined;
  readonly tags: WriteTag[][];

  constructor(readonly model: MemoryModelName, cpuCount: number) {
    this.entries = Array.from({ length: cpuCount }, () => []);
    this.views = model === 'relaxed' ? new RelaxedViews(cpuCount) : undefined;
    this.tags = Array.from({ length: model === 'relaxed' ? cpuCount : 0 }, () => []);
  }
}

/**
 * Whether `op` drains its CPU's buffer before it acts, under 'tso': a locked read-modify-write,
 * smp_mb(), set_current_state() (smp_store_mb), and the kernel calls that take a lock before they
 * look at shared state: wake_up_process() (pi_lock, then smp_mb__after_spinlock()), schedule()
 * (the runqueue lock), do_exit, migration, kthread_run, smp_call_function (a locked llist_add),
 * and kfree (a simplification: SLUB's fast path is an unlocked per-CPU cmpxchg). The one list a
 * model checker's footprints and the interpreter share.
 */
export function drainsBuffer(op: Operation): boolean {
  switch (op.code) {
    case OpCode.Rmw:
      return op.locked;
    case OpCode.Fence:
      return op.kind === 'mb';
    case OpCode.SetState:
      return op.ordered;
    case OpCode.Wake:
    case OpCode.Schedule:
    case OpCode.ScheduleTimeout:
    case OpCode.Exit:
    case OpCode.SetAffinity:
    case OpCode.Free:
    case OpCode.SendIpi:
    case OpCode.Spawn:
      return true;
    default:
      return false;
  }
}

/** A plain store by `cpu` under 'tso' or 'relaxed': into its buffer (tagged under 'relaxed'). */
export function bufferStore(core: MachineCore, cpu: number, cell: number, value: number): void {
  const buffers = core.storeBuffers;
  buffers.entries[cpu]?.push(cell, value);
  if (buffers.views !== undefined) buffers.tags[cpu]?.push(buffers.views.tagOf(cpu));
  buffers.count++;
}

/** A __set_current_state() by the task on `cpu` under 'tso': the state store joins the buffer. */
export function bufferTaskState(core: MachineCore, cpu: number, pid: number, state: SleepState | 'TASK_RUNNING'): void {
  bufferStore(core, cpu, -1 - pid, STATE_CODES.indexOf(state));
}

/** What a load of `cell` on `cpu` reads: its own newest buffered store of the cell, else memory. */
export function loadThroughBuffer(core: MachineCore, cpu: number, cell: number): number {
  const entries = core.storeBuffers.entries[cpu];
  if (entries !== undefined) {
    for (let index = entries.length - 2; index >= 0; index -= 2) {
      if (entries[index] === cell) return entries[index + 1] ?? 0;
    }
  }
  return core.memory.read(cell);
}

/** Whether `cpu` has a store of `cell` in its buffer (its loads of the cell then read that). */
export function buffersCell(core: MachineCore, cpu: number, cell: number): boolean {
  const entries = core.storeBuffers.entries[cpu];
  if (entries === undefined) return false;
  for (let index = entries.length - 2; index >= 0; index -= 2) if (entries[index] === cell) return true;
  return false;
}

/**
 * A load by `cpu`'s code under 'tso' or 'relaxed': through its buffer; under 'relaxed', from its
 * stale copy when the `stale` choice asked for it, else from memory, learning the store it reads.
 */
export function loadOnCpu(core: MachineCore, cpu: number, cell: number, stale: boolean): number {
  const views = core.storeBuffers.views;
  if (views === undefined) return loadThroughBuffer(core, cpu, cell);
  if (buffersCell(core, cpu, cell)) {
    // Its own store: an acquire of it learns nothing of other CPUs.
    views.lastRead = undefined;
    return loadThroughBuffer(core, cpu, cell);
  }
  if (stale) return views.readStale(cpu, cell);
  views.readFresh(cpu, cell);
  return core.memory.read(cell);
}

/** Buffered stores of `cpu` not yet visible to other CPUs. */
export function bufferedCount(core: MachineCore, cpu: number): number {
  const buffers = core.storeBuffers;
  // Schedulers ask at every step; with nothing buffered anywhere (always, under 'sc') one load answers.
  return buffers.count === 0 ? 0 : (buffers.entries[cpu]?.length ?? 0) / 2;
}

/** The cells `cpu` has buffered stores to, oldest first (a task's state as -1 - pid). */
export function bufferedCells(core: MachineCore, cpu: number): number[] {
  const entries = core.storeBuffers.entries[cpu] ?? [];
  const cells: number[] = [];
  for (let index = 0; index < entries.length; index += 2) cells.push(entries[index] ?? 0);
  return cells;
}

/** The `flush` choice: `cpu`'s oldest buffered store becomes visible. */
export function flushOldest(core: MachineCore, cpu: number): boolean {
  const entries = core.storeBuffers.entries[cpu];
  if (entries === undefined || entries.length === 0) return false;
  const cell = entries.shift() ?? 0;
  const value = entries.shift() ?? 0;
  core.storeBuffers.count--;
  makeVisible(core, cpu, cell, value, core.storeBuffers.tags[cpu]?.shift());
  return true;
}

/**
 * Every store `cpu` has buffered becomes visible, oldest first (mfence, a locked instruction, a
 * switch); under 'relaxed' that is a full barrier too, buffer empty or not.
 */
export function drain(core: MachineCore, cpu: number): void {
  drainEntries(core, cpu, core.storeBuffers.entries[cpu]);
  const views = core.storeBuffers.views;
  if (views !== undefined && core.faults.current === undefined) views.fullFence(cpu);
}

/** Every store `cpu` has buffered becomes visible, oldest first, and nothing more: a locked read-modify-write then orders as its form says. */
export function drainStores(core: MachineCore, cpu: number): void {
  drainEntries(core, cpu, core.storeBuffers.entries[cpu]);
}

/** What a switch, an interrupt's entry and return and an oops drain: cheap to call when no buffer holds anything (under 'relaxed' still a full barrier). */
export function drainAtSwitch(core: MachineCore, cpu: number): void {
  if (core.storeBuffers.count > 0 || core.storeBuffers.views !== undefined) drain(core, cpu);
}

function drainEntries(core: MachineCore, cpu: number, entries: number[] | undefined): void {
  const buffers = core.storeBuffers;
  if (entries === undefined || entries.length === 0) return;
  if (buffers.drainedAtStep !== core.steps) {
    buffers.drained.length = 0;
    buffers.drainedAtStep = core.steps;
  }
  while (entries.length > 0 && core.faults.current === undefined) {
    const cell = entries.shift() ?? 0;
    const value = entries.shift() ?? 0;
    buffers.count--;
    buffers.drained.push(cell);
    makeVisible(core, cpu, cell, value, buffers.tags[cpu]?.shift());
  }
}

function makeVisible(core: MachineCore, cpu: number, cell: number, value: number, tag: WriteTag | undefined): void {
  if (cell < 0) {
    const task = core.tasks[-1 - cell];
    if (task !== undefined && task.state !== 'TASK_DEAD') task.state = STATE_CODES[value] ?? 'TASK_RUNNING';
    traceNamed(core, cpu, topFrame(core, cpu), 'store_visible', `state of pid ${-1 - cell} = ${STATE_CODES[value] ?? value}`, 0);
    return;
  }
  const liveness = core.memory.liveness(cell);
  if (liveness !== 1) {
    const what = liveness < 0 ? `address ${cell}, which no allocation holds` : `${core.memory.describe(cell)} after it was freed`;
    raise(core, liveness < 0 ? 'invalid-access' : 'use-after-free', `a store buffered on CPU ${cpu} became visible at ${what}`, cpu, topFrame(core, cpu));
    return;
  }
  const views = core.storeBuffers.views;
  if (views !== undefined && tag !== undefined) views.becameVisible(cpu, cell, core.memory.read(cell), tag);
  core.memory.write(cell, value);
  if (core.trace !== undefined) traceNamed(core, cpu, topFrame(core, cpu), 'store_visible', `${core.memory.describe(cell)} = ${value}`, 0);
}

/** The buffers as plain data, for a snapshot. */
export function saveStoreBuffers(buffers: StoreBufferState): number[][] {
  return buffers.entries.map((entries) => [...entries]);
}

export function loadStoreBuffers(buffers: StoreBufferState, saved: readonly (readonly number[])[], relaxed: RelaxedSave | undefined): void {
  if (buffers.views !== undefined && relaxed !== undefined) {
    const tags = loadRelaxed(buffers.views, relaxed);
    buffers.tags.forEach((own, cpu) => { own.length = 0; own.push(...(tags[cpu] ?? [])); });
  }
  let count = 0;
  buffers.entries.forEach((entries, cpu) => {
    const from = saved[cpu] ?? [];
    entries.length = 0;
    entries.push(...from);
    count += from.length / 2;
  });
  buffers.count = count;
  buffers.drained.length = 0;
  buffers.drainedAtStep = -1;
}
