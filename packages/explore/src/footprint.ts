import { drainsBuffer, OpCode, type Choice, type Machine } from '@kmodsim/cpu';
import { dropsStaleCopies, viewsMeet, withViews } from './stale-copies.js';

// What a choice touches, for deciding which choices commute. Locations are numbers: cells are
// their addresses; objects, each task's state, each CPU's run queue, the scheduler's and timers'
// shared state, the allocator, IPI queues, interrupt budgets and the end of the run get numbers
// above any address. Two choices are dependent when they run on the same CPU or one writes a
// location the other reads or writes.

// Every location stays below 2^30 so that it is a small integer to V8 (maps and sets keyed by
// heap numbers are several times slower): cells below 2^24, objects above.
export const OBJECT_BASE = 2 ** 24;
export const SCHED = 2 ** 28;
const ALLOC = SCHED + 1;
const IPI_QUEUE_BASE = SCHED + 16;
const RUN_QUEUE_BASE = SCHED + 4096;
/** The end of the run: the last ordinary task's exit writes it, and every step still pending then reads it. */
const RUN_END = SCHED + 3;
/** One location per task: its state, which set_current_state(), schedule(), exit and a wake touch. */
const TASK_STATE_BASE = SCHED + 2 ** 16;
const IRQ_SOURCE_BASE = 2 ** 29;
/**
 * Under 'tso', one location per CPU for its store buffer: a store appends to it, a flush takes
 * from it, a drain (a barrier, a locked instruction, a switch) empties it.
 */
const STORE_BUFFER_BASE = SCHED + 2 ** 15;
/**
 * Under 'tso', one location per CPU and cell for the entries of its store buffer: a store writes
 * its entry's, and the flush that makes it visible writes it too. A flush and its CPU's later
 * stores commute (one takes the buffer's head, the other adds to its tail): with the buffer as
 * their one location, a load before a younger store was ordered before the older store's flush,
 * and the search never ran it after (random program 35 of the tso fuzz lost an ending so). Cells
 * 2^20 apart and CPUs 32 apart share locations, which only orders more.
 */
const STORE_ENTRY_BASE = IRQ_SOURCE_BASE + 2 ** 25;

export interface Footprint {
  /** Who takes the step: a CPU, or for a store buffer's flush cpuCount + that CPU (a process of its own). A stale load's is its CPU's. */
  readonly cpu: number;
  readonly reads: readonly number[];
  readonly writes: readonly number[];
  /**
   * A flush's: the CPU whose stores it makes visible. That CPU's steps and its flushes touch the
   * same buffer but are in program order (a store comes before its flush, a drain takes the
   * flushes it overtakes), never a race to reverse: each flush races only with what other CPUs do.
   * A stale load's too: it is its CPU's step under another name (key), in program order with the rest.
   */
  readonly follows?: number;
  /** Under 'relaxed': a flush that leaves other CPUs stale copies, or a choice that may drop its CPU's (see stale-copies.ts). */
  readonly views?: true;
}

export function footprintOf(machine: Machine, choice: Choice): Footprint {
  const cpu = choice.cpu;
  // Nothing is left over from a footprint a throw broke off.
  READS.clear();
  WRITES.clear();
  switch (choice.kind) {
    // An interrupt makes an idle CPU busy while its handler runs (see wakeFootprint).
    // Entering an interrupt handler and switching tasks drain the CPU's store buffer (under 'tso').
    case 'irq':
      WRITES.add(IRQ_SOURCE_BASE + choice.source);
      WRITES.add(RUN_QUEUE_BASE + cpu);
      addDrainWrites(machine, cpu);
      return withViews(machine, { cpu, reads: NO_LOCATIONS, writes: WRITES.take() });
    case 'ipi':
      WRITES.add(IPI_QUEUE_BASE + cpu);
      WRITES.add(RUN_QUEUE_BASE + cpu);
      addDrainWrites(machine, cpu);
      return withViews(machine, { cpu, reads: NO_LOCATIONS, writes: WRITES.take() });
    // Time passing fires a timer: its task's wake may place it on any run queue, as a preemption may.
    case 'preempt':
      addSchedulerWrites(machine);
      addDrainWrites(machine, cpu);
      return withViews(machine, { cpu, reads: NO_LOCATIONS, writes: WRITES.take() });
    case 'time':
      addSchedulerWrites(machine);
      return { cpu, reads: NO_LOCATIONS, writes: WRITES.take() };
    case 'step':
      return stepFootprint(machine, cpu);
    case 'stale':
      return { ...stepFootprint(machine, cpu), follows: cpu };
    case 'flush': {
      const cell = machine.bufferedCells(cpu)[0] ?? 0;
      // It writes into its object, which a kfree on another CPU may have freed meanwhile.
      const reads = cell < 0 ? NO_LOCATIONS : [OBJECT_BASE + machine.memory.objectIdAt(cell)];
      // Under 'relaxed' it also leaves every other CPU a stale copy: their loads of the cell meet it there.
      return withViews(machine, { cpu: machine.cpuCount + cpu, reads, writes: [visibleLocation(cell), storeEntry(cpu, cell), STORE_BUFFER_BASE + cpu], follows: cpu });
    }
  }
}

/**
 * Locations gathered for one footprint in a reused array, handed over as an array of exactly
 * their number. The search keeps a footprint per step: an array pushed to from empty grows a
 * backing store of 16 places or more, most of a footprint's memory and of the search's garbage.
 */
class Gathered {
  private readonly locations: number[] = [];
  private count = 0;

  add(location: number): void {
    this.locations[this.count++] = location;
  }

  /** The locations added since the last take, as a new array; the gathering starts again empty. */
  take(): number[] {
    const taken = this.locations.slice(0, this.count);
    this.count = 0;
    return taken;
  }

  clear(): void {
    this.count = 0;
  }
}

/** The locations of the footprint being made (one at a time: nothing here is re-entered). */
const READS = new Gathered();
const WRITES = new Gathered();

/** A footprint's empty list of locations (never written: footprints are never changed). */
const NO_LOCATIONS: readonly number[] = [];

/** The location of `cpu`'s buffered stores to `cell` (a task's state as -1 - pid, see STORE_ENTRY_BASE). */
function storeEntry(cpu: number, cell: number): number {
  return STORE_ENTRY_BASE + (cell & 0xf_ffff) * 32 + (cpu & 31);
}

/** Where a buffered store lands: its cell, or for a __set_current_state() (cell -1 - pid) the task's state. */
function visibleLocation(cell: number): number {
  return cell < 0 ? TASK_STATE_BASE + (-1 - cell) : cell;
}

/** Adds what draining `cpu`'s store buffer writes: every cell it holds, and the buffer; nothing when it is empty. */
function addDrainWrites(machine: Machine, cpu: number): void {
  if (machine.bufferedStores(cpu) === 0) return;
  for (const cell of machine.bufferedCells(cpu)) WRITES.add(visibleLocation(cell));
  WRITES.add(STORE_BUFFER_BASE + cpu);
}

/**
 * A footprint with what a drain in the step just performed made visible: known only after it ran
 * when the drain came from a switch or an interrupt handler's return that the step caused.
 */
export function withDrains(machine: Machine, footprint: Footprint, cells: readonly number[]): Footprint {
  return { ...withViews(machine, footprint), writes: [...footprint.writes, ...cells.map(visibleLocation), STORE_BUFFER_BASE + footprint.cpu] };
}

function stepFootprint(machine: Machine, cpu: number): Footprint {
  const op = machine.pendingOperation(cpu);
  const code = machine.codeObjectOf(cpu);
  if (code >= 0) READS.add(OBJECT_BASE + code);
  // Every step reads its CPU's run queue: a task woken onto it (a stopper thread for
  // stop_machine) turns this CPU's next step into a switch, so the step and the wake do not commute.
  READS.add(RUN_QUEUE_BASE + cpu);
  if (op === undefined) {
    // An idle CPU switching to a task on its own run queue, or taking an IPI.
    WRITES.add(RUN_QUEUE_BASE + cpu);
    WRITES.add(IPI_QUEUE_BASE + cpu);
    return withViews(machine, { cpu, reads: READS.take(), writes: WRITES.take() });
  }
  const tso = machine.memoryModel !== 'sc';
  if (tso && drainsBuffer(op)) addDrainWrites(machine, cpu);
  switch (op.code) {
    case OpCode.Load:
    case OpCode.LoadAcquire:
      READS.add(op.cell);
      READS.add(objectOf(machine, op.cell));
      break;
    case OpCode.StoreRelease:
    case OpCode.Store:
      // Under 'tso' a store goes into this CPU's buffer: no other CPU sees it until its flush.
      WRITES.add(tso ? storeEntry(cpu, op.cell) : op.cell);
      READS.add(objectOf(machine, op.cell));
      break;
    case OpCode.Rmw:
      if (tso && !op.locked) {
        READS.add(op.cell);
        WRITES.add(storeEntry(cpu, op.cell));
      } else {
        WRITES.add(op.cell);
      }
      READS.add(objectOf(machine, op.cell));
      break;
    case OpCode.Free:
      WRITES.add(objectOf(machine, op.address));
      break;
    case OpCode.Alloc:
      WRITES.add(ALLOC);
      break;
    case OpCode.EnterCode:
      READS.add(objectOf(machine, op.address));
      break;
    case OpCode.SetState:
      // A task sets only its own state; a wake of that task is the one other step that reads it.
      // Under 'tso' __set_current_state() only buffers it, and set_current_state() drains it (above).
      WRITES.add(tso && !op.ordered ? storeEntry(cpu, -1 - (machine.contextOf(cpu)?.pid ?? 0)) : taskState(machine, cpu));
      break;
    case OpCode.Schedule:
    case OpCode.Exit:
      // Sleeping, yielding and exiting change only this CPU's run queue and the task's state
      // (which CPUs are idle is part of every run queue: a wake placing a task reads them all).
      WRITES.add(taskState(machine, cpu));
      WRITES.add(RUN_QUEUE_BASE + cpu);
      if (op.code === OpCode.Exit && endsRun(machine, cpu)) WRITES.add(RUN_END);
      break;
    case OpCode.ScheduleTimeout:
      // Also arms a timer: timers are one queue for the whole machine.
      WRITES.add(SCHED);
      WRITES.add(taskState(machine, cpu));
      WRITES.add(RUN_QUEUE_BASE + cpu);
      break;
    case OpCode.Wake:
      wakeFootprint(machine, op.pid);
      break;
    case OpCode.Spawn:
    case OpCode.SetAffinity:
      addSchedulerWrites(machine);
      break;
    case OpCode.SendIpi:
      WRITES.add(IPI_QUEUE_BASE + op.cpu);
      break;
    default:
      break;
  }
  const footprint = { cpu, reads: READS.take(), writes: WRITES.take() };
  return dropsStaleCopies(op) ? withViews(machine, footprint) : footprint;
}

/** The location of the memory object that holds `address` (a free writes it, every access reads it). */
function objectOf(machine: Machine, address: number): number {
  return OBJECT_BASE + machine.memory.objectIdAt(address);
}

/**
 * A wake sets its task's state; if the task had gone to sleep it also joins a run queue (and
 * may preempt that CPU's task), picked among the idle CPUs unless the task is bound; a timer it
 * cancels is in the machine-wide timer queue. Which CPUs are idle is part of their run queues'
 * locations: every step that makes a CPU idle or busy writes that CPU's run queue.
 */
function wakeFootprint(machine: Machine, pid: number): void {
  WRITES.add(TASK_STATE_BASE + pid);
  const effect = machine.wakeEffect(pid);
  if (effect === undefined) return;
  if (effect.cancelsTimer) WRITES.add(SCHED);
  if (effect.runQueue < 0) return;
  if (effect.readsIdleCpus) for (let cpu = 0; cpu < machine.cpuCount; cpu++) READS.add(RUN_QUEUE_BASE + cpu);
  WRITES.add(RUN_QUEUE_BASE + effect.runQueue);
}

/**
 * A step that faulted ended the run, as the last exit does: every other CPU's step pending then
 * was disabled by it, and so depends on it (a CPU that never ran before a double free on another
 * went unexplored, and with it its use after free of the object freed first).
 */
export function withRunEnd(footprint: Footprint): Footprint {
  return { ...footprint, writes: [...footprint.writes, RUN_END] };
}

/** The end of the run is the search's own location: it orders pending steps, it is no access of the program. */
export function isRunEnd(location: number): boolean {
  return location === RUN_END;
}

/** True when the task exiting on `cpu` is the last ordinary one: its exit ends the run. */
function endsRun(machine: Machine, cpu: number): boolean {
  const pid = machine.contextOf(cpu)?.pid;
  return pid !== undefined && machine.liveTaskCount === 1 && machine.task(pid)?.daemon === false;
}

/**
 * What a step still pending when the run ended touches: its own footprint, and the end of the
 * run, which came before it and so is ordered with it (a kthread's step left pending by the
 * last exit could have run before that exit).
 */
export function pendingFootprint(machine: Machine, choice: Choice): Footprint {
  const footprint = footprintOf(machine, choice);
  return { cpu: footprint.cpu, reads: [...footprint.reads, RUN_END], writes: [...footprint.writes, ...eventualWrites(machine, choice)] };
}

/**
 * Under 'tso' a pending store writes only its CPU's buffer, but the run it would begin writes its
 * cell (at the flush): a step of another CPU that read the cell before the execution ended races with it.
 */
function eventualWrites(machine: Machine, choice: Choice): number[] {
  if (choice.kind !== 'step' || machine.memoryModel === 'sc') return [];
  const op = machine.pendingOperation(choice.cpu);
  if (op === undefined) return [];
  if (op.code === OpCode.Store || op.code === OpCode.StoreRelease || (op.code === OpCode.Rmw && !op.locked)) return [op.cell];
  if (op.code === OpCode.SetState && !op.ordered) return [taskState(machine, choice.cpu)];
  return [];
}

/** The state location of the task running on `cpu` (steps that set state run in task context). */
function taskState(machine: Machine, cpu: number): number {
  return TASK_STATE_BASE + (machine.contextOf(cpu)?.pid ?? 0);
}

/**
 * A step that switched its CPU to another task (a forced switch to a woken stopper thread, or an
 * idle CPU dispatching): it touched the scheduler, whatever operation was pending before it.
 */
export function withSchedulerWrites(machine: Machine, footprint: Footprint): Footprint {
  WRITES.clear();
  for (const location of footprint.writes) WRITES.add(location);
  addSchedulerWrites(machine);
  // The task switched in brings what it carries (under 'relaxed'): a read barrier on its CPU.
  return withViews(machine, { cpu: footprint.cpu, reads: footprint.reads, writes: WRITES.take() });
}

/**
 * A step that carried its CPU's clock past a schedule_timeout() expiry also woke the timer's task:
 * it took the timer off the machine-wide queue, set the task's state and queued it (on an idle
 * CPU if it is not bound). Known only once the step has run: how far a step moves its CPU's clock
 * is not known before.
 */
export function withTimerWakes(machine: Machine, footprint: Footprint, pids: readonly number[]): Footprint {
  WRITES.clear();
  for (const location of footprint.writes) WRITES.add(location);
  addSchedulerWrites(machine);
  for (const pid of pids) WRITES.add(TASK_STATE_BASE + pid);
  return withViews(machine, { cpu: footprint.cpu, reads: footprint.reads, writes: WRITES.take() });
}

/**
 * Spawning, migrating and preempting tasks, and a switch a step forced, may change what any CPU
 * runs next: they conflict with each other and with every run queue. (Sleeping, exiting and
 * waking are narrower: see stepFootprint and wakeFootprint.)
 */
function addSchedulerWrites(machine: Machine): void {
  WRITES.add(SCHED);
  for (let cpu = 0; cpu < machine.cpuCount; cpu++) WRITES.add(RUN_QUEUE_BASE + cpu);
}

/**
 * A CPU's step and a flush of that CPU's own store buffer that meet on a cell only (the step
 * loads it, or is a flush's object's kfree...) commute: before the flush the CPU reads its own
 * buffered store, after it the same value from memory. They are ordered only through the buffer
 * itself (a store to the flushed entry's cell before its flush, a drain and the flushes it
 * overtakes), which both then write.
 * Taking them as ordered whichever came first lost an ending under tso: a load of the CPU's own
 * store then left behind the flush where it happened to run after it, and so did every load after it.
 */
export function commutesWithOwnFlush(a: Footprint, b: Footprint): boolean {
  // Neither a flush (nor a stale load, whose `follows` is its own CPU): the common case, asked for every pair of dependent steps.
  if ((a.follows === undefined || a.follows === a.cpu) && (b.follows === undefined || b.follows === b.cpu)) return false;
  const aFlushes = a.follows !== undefined && a.follows !== a.cpu;
  const flush = aFlushes ? a : b;
  const step = aFlushes ? b : a;
  if (flush.follows === undefined || flush.follows === flush.cpu || step.cpu !== flush.follows) return false;
  return !step.writes.some((location) => location === STORE_BUFFER_BASE + step.cpu || (location >= STORE_ENTRY_BASE && flush.writes.includes(location)));
}

/**
 * Dependence for sleep sets: as `dependent`, and a flush with its CPU's stores too. They commute,
 * but not in cost: right after a store, going on with its CPU costs a preemption unless a flush
 * came between, so moving a flush across its CPU's store changes what follows it costs, which
 * sleep sets take independent steps never to do (random program 193 of the differential sweep
 * lost an ending under tso at bound 2 when its flush slept across its CPU's local_add).
 */
export function sleepDependent(a: Footprint, b: Footprint): boolean {
  return dependent(a, b) || flushAndStore(a, b.cpu, b.writes) || flushAndStore(b, a.cpu, a.writes) || viewsMeet(a, b) || viewsMeet(b, a);
}

/** `flush` is a flush of CPU `cpu`'s buffer, and `writes` hold a store of that CPU into it. */
export function flushAndStore(flush: Footprint, cpu: number, writes: Iterable<number>): boolean {
  if (flush.follows !== cpu || flush.cpu === cpu) return false;
  for (const location of writes) if (location >= STORE_ENTRY_BASE) return true;
  return false;
}

export function dependent(a: Footprint, b: Footprint): boolean {
  if (a.cpu === b.cpu) return true;
  return touches(a.writes, b.reads) || touches(a.writes, b.writes) || touches(b.writes, a.reads);
}

function touches(writes: readonly number[], other: readonly number[]): boolean {
  for (const location of writes) if (other.includes(location)) return true;
  return false;
}

/** True when the step armed, cancelled or fired a schedule_timeout() timer, or touched the scheduler as a whole. */
export function touchesTimers(footprint: Footprint): boolean {
  return footprint.writes.includes(SCHED);
}

/** True when the step queued an IPI for another CPU (the IPI may then arrive there at any point). */
export function sendsIpi(footprint: Footprint): boolean {
  return footprint.writes.some((location) => location >= IPI_QUEUE_BASE && location < RUN_QUEUE_BASE && location !== IPI_QUEUE_BASE + footprint.cpu);
}

/** True when the footprint writes one of `cells`. */
export function writesAny(footprint: Footprint, cells: ReadonlySet<number>): boolean {
  return footprint.writes.some((location) => cells.has(location));
}
