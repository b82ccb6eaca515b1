import type { AccessIndex } from './access-index.js';
import { commutesWithOwnFlush, type Footprint } from './footprint.js';
import type { Request, SearchNode } from './search-node.js';
import type { PerformedStep } from './trace-class.js';

// The race analysis of the exhaustive search (see exhaustive.ts for the method): after each
// execution, every pair of dependent steps not ordered by happens-before is a race, and the later
// step's process is scheduled at the earlier step's point, with bounded partial-order reduction's
// conservative branch where reversing the race costs a preemption.

/**
 * For each step from `from` on, finds the latest earlier dependent step not ordered before it by
 * happens-before: a race. The later step's process is scheduled at the earlier step's point (or
 * every choice there, when it was not enabled then).
 *
 * Only the latest dependent steps per location and per CPU need looking at: any earlier one is
 * ordered before one of them, and so before this step too.
 */
export function analyzeRaces(path: SearchNode[], from: number, index: AccessIndex, request: Request, sleepSets = false): void {
  // The index still holds the steps before `from` from the last execution, which shared them.
  index.truncate(from);
  for (let position = from; position < path.length; position++) {
    const node = path[position];
    if (node === undefined) continue;
    const key = node.point.keys[node.chosen];
    const footprint = node.footprints[node.chosen];
    if (key === undefined || footprint === undefined) continue;
    clockStep(path, position, key, index.predecessors(key, footprint), request, sleepSets);
    index.add(position, key, footprint);
  }
}

/** Gives a step its happens-before clock from its dependent predecessors, reversing the latest race. */
function clockStep(path: readonly SearchNode[], position: number, key: number, predecessors: readonly number[], request: Request, sleepSets: boolean): void {
  const node = path[position];
  if (node === undefined) return;
  const ordering = happensBefore(path, key, predecessors, node.footprints[node.chosen]);
  node.epoch = ordering.epoch;
  node.clock = ordering.clock;
  for (const earlier of ordering.races) {
    reverseRace(path, request, earlier, { key, clock: ordering.clock, follows: node.footprints[node.chosen]?.follows }, position);
    if (sleepSets) requestInitial(path, request, earlier, { key, clock: ordering.clock, end: position });
  }
}

/**
 * A step's happens-before clock and epoch from its dependent predecessors (latest first), and
 * those of them of another process not ordered before it through another: the races to reverse.
 */
function happensBefore(path: readonly SearchNode[], key: number, predecessors: readonly number[], footprint: Footprint | undefined): { clock: number[]; epoch: number; races: readonly number[] } {
  let epoch = 1;
  for (const earlierPosition of predecessors) {
    const earlier = path[earlierPosition];
    if (earlier !== undefined && earlier.point.keys[earlier.chosen] === key) {
      epoch = earlier.epoch + 1;
      break;
    }
  }
  // Made only for a step that races: most do not.
  let races: number[] | undefined;
  CLOCK.clear();
  for (const earlierPosition of predecessors) {
    const earlier = path[earlierPosition];
    if (earlier === undefined) continue;
    const earlierKey = earlier.point.keys[earlier.chosen] ?? -1;
    const earlierFootprint = earlier.footprints[earlier.chosen];
    // Neither ordered nor racing: a CPU's load and its own flush give the same either way round.
    if (footprint !== undefined && earlierFootprint !== undefined && commutesWithOwnFlush(footprint, earlierFootprint)) continue;
    // Ordered before through a later predecessor, whose clock then holds all of this one's: nothing to merge.
    if (CLOCK.at(earlierKey) >= earlier.epoch) continue;
    if (earlierKey !== key && !inProgramOrder(footprint, earlierFootprint)) (races ??= []).push(earlierPosition);
    CLOCK.merge(earlier.clock);
    CLOCK.raise(earlierKey, earlier.epoch);
  }
  CLOCK.set(key, epoch);
  return { clock: CLOCK.take(), epoch, races: races ?? NO_RACES };
}

/**
 * The clock being made, in a reused array kept at zero past what is in use (dense, zeros where
 * a process has no step ordered before: V8 keeps it as packed small integers, which merges and
 * reads go through faster than holes), handed over as an
 * array of exactly its length: the search keeps a clock per step, and one grown by pushes from
 * empty holds 16 places or more.
 */
class ClockBuilder {
  private readonly entries: number[] = [];
  private length = 0;

  at(index: number): number {
    return index < this.length ? this.entries[index] ?? 0 : 0;
  }

  /** Makes room for `length` entries (zeros where nothing was there). */
  private widen(length: number): void {
    const entries = this.entries;
    while (entries.length < length) entries.push(0);
    if (length > this.length) this.length = length;
  }

  merge(from: readonly number[]): void {
    this.widen(from.length);
    const entries = this.entries;
    for (let index = 0; index < from.length; index++) {
      const value = from[index] ?? 0;
      if (value > (entries[index] ?? 0)) entries[index] = value;
    }
  }

  /** Makes the entry `index` at least `value`. */
  raise(index: number, value: number): void {
    this.widen(index + 1);
    if ((this.entries[index] ?? 0) < value) this.entries[index] = value;
  }

  set(index: number, value: number): void {
    this.widen(index + 1);
    this.entries[index] = value;
  }

  /** The clock made, as a new array; the builder starts again from zero. */
  take(): number[] {
    const clock = this.entries.slice(0, this.length);
    this.clear();
    return clock;
  }

  clear(): void {
    const entries = this.entries;
    for (let index = 0; index < this.length; index++) entries[index] = 0;
    this.length = 0;
  }
}

const CLOCK = new ClockBuilder();

const NO_RACES: readonly number[] = [];

/** A CPU's step and a flush of its own store buffer: ordered, as its own steps are, never a race (see Footprint.follows). */
function inProgramOrder(a: Footprint | undefined, b: Footprint | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  return (a.follows !== undefined && a.follows === b.cpu) || (b.follows !== undefined && b.follows === a.cpu);
}

/**
 * The steps still pending when an execution ended (a daemon such as a stopper thread left
 * between two operations when the last ordinary task exited) race with what ran before them
 * just as executed steps do; without this, a search would never run them earlier.
 */
export function analyzePending(path: readonly SearchNode[], pending: readonly PerformedStep[], index: AccessIndex, request: Request, sleepSets = false): void {
  for (const { key, footprint } of pending) {
    const { clock, races } = happensBefore(path, key, index.predecessors(key, footprint), footprint);
    for (const earlier of races) {
      reverseRace(path, request, earlier, { key, clock, follows: footprint.follows });
      if (sleepSets) requestInitial(path, request, earlier, { key, clock, end: path.length });
    }
  }
}

/** The later step of a race, as reverseRace needs it: its key, its clock, and for a flush or a stale load, its CPU (Footprint.follows). */
interface RaceLater {
  readonly key: number;
  readonly clock: readonly number[];
  readonly follows: number | undefined;
}

/**
 * Schedules the later step's process at the earlier step's point, or every choice there when it
 * was not one. When that costs a preemption there, or the bound left it out, it is also scheduled
 * where the earlier step's block began (bounded partial-order reduction's conservative branch, see
 * blockStartOf).
 */
function reverseRace(path: readonly SearchNode[], request: Request, earlierPosition: number, later: RaceLater, laterPosition?: number): void {
  const earlier = path[earlierPosition];
  if (earlier === undefined) return;
  const wanted = reversalStart(path, earlierPosition, later);
  const at = earlier.point.keys.indexOf(wanted);
  if (at >= 0) request(earlier, wanted);
  else if (earlier.point.keys.includes(later.key)) request(earlier, later.key);
  else for (const key of earlier.point.keys) request(earlier, key);
  if (at >= 0 && (earlier.point.costs[at] ?? 0) === 0) return;
  requestAtBlockStart(path, request, blockStartOf(path, earlierPosition), later);
  if (laterPosition !== undefined) runBeforeInterrupt(path, request, earlierPosition, laterPosition);
}

/**
 * The conservative branch: the reversal's start where the earlier step's block began, or when
 * neither it nor the later step's process can go first there, every choice there (as at the
 * earlier point). A spinner that waits for a write still to come is such a process: random
 * program 868 of the differential sweep lost an ending under every model at bound 0 when nothing
 * was asked for there, its reader having run where only the writer could lead to the spinner.
 */
function requestAtBlockStart(path: readonly SearchNode[], request: Request, position: number, later: RaceLater): void {
  const blockStart = path[position];
  if (blockStart === undefined) return;
  const wanted = reversalStart(path, position, later);
  if (blockStart.point.keys.includes(wanted)) request(blockStart, wanted);
  else if (blockStart.point.keys.includes(later.key)) request(blockStart, later.key);
  else for (const key of blockStart.point.keys) request(blockStart, key);
}

/**
 * The choice that begins the later step's reversal at `position`: its own key, or for a store
 * buffer's flush (or a stale load) whose CPU had not yet made the steps before it there, that CPU
 * (whose key is the CPU). The flush's key may be enabled there all the same, draining an older
 * store: taking it lost an ending under tso at bound 1, a load racing with a flush queued behind
 * a local_add's (random program 518 of the tso fuzz).
 */
function reversalStart(path: readonly SearchNode[], position: number, later: RaceLater): number {
  const cpu = later.follows;
  if (cpu === undefined) return later.key;
  const needed = later.clock[cpu] ?? 0;
  return stepsOf(path, position, cpu) < needed ? cpu : later.key;
}

/** How many steps the process `key` had taken before `position`: the epoch of its latest one there. */
function stepsOf(path: readonly SearchNode[], position: number, key: number): number {
  for (let earlier = position - 1; earlier >= 0; earlier--) {
    const node = path[earlier];
    if (node !== undefined && node.point.keys[node.chosen] === key) return node.epoch;
  }
  return 0;
}

/**
 * Where the block of steps ending at `position` began, in bounded partial-order reduction's
 * sense: the latest earlier point where any CPU could be chosen for free, when the CPU of that
 * step has run without a switch since; else where that CPU's run of steps began. Inserting
 * another CPU's steps there costs no more than the switch that started the block.
 */
function blockStartOf(path: readonly SearchNode[], position: number): number {
  const start = runStart(path, position);
  for (let earlier = position - 1; earlier >= start; earlier--) if (path[earlier]?.point.freeSwitch === true) return earlier;
  return start;
}

/**
 * The later step of a race ran in an interrupt handler delivered before the earlier step: the
 * earlier step's process also goes first at the delivery, so that the interrupt can arrive
 * later, right before the earlier step, at the cost of no preemption (interrupts are tried at
 * every point anyway). Without this, putting the handler's step first would need a switch away
 * from the handler and another back.
 */
function runBeforeInterrupt(path: readonly SearchNode[], request: Request, earlierPosition: number, laterPosition: number): void {
  const earlier = path[earlierPosition];
  const later = path[laterPosition];
  if (earlier === undefined || later?.inIrq !== true) return;
  const earlierKey = earlier.point.keys[earlier.chosen];
  if (earlierKey === undefined) return;
  const cpu = chosenCpu(later);
  for (let position = laterPosition - 1; position >= 0; position--) {
    const node = path[position];
    const choice = node?.point.choices[node.chosen];
    if (node === undefined || choice === undefined || choice.cpu !== cpu || (choice.kind !== 'irq' && choice.kind !== 'ipi')) continue;
    if (position < earlierPosition && node.point.keys.includes(earlierKey)) request(node, earlierKey);
    return;
  }
}

/**
 * Where the run of consecutive choices on the CPU of the choice at `position` (for a flush, of the
 * CPU that ran before it) began: its steps, the interrupts delivered to it, whose handlers run as
 * its steps, and flushes among them (see isFlush).
 */
function runStart(path: readonly SearchNode[], position: number): number {
  let cpu = chosenCpu(path[position]);
  for (let earlier = position; earlier >= 0 && isFlush(path[earlier]); earlier--) cpu = chosenCpu(path[earlier - 1]) ?? cpu;
  let start = position;
  for (let earlier = position - 1; earlier >= 0; earlier--) {
    const node = path[earlier];
    if (isFlush(node)) continue;
    if (chosenCpu(node) !== cpu) break;
    start = earlier;
  }
  return start;
}

/**
 * A store buffer's flush leaves whose run it is as it was (it costs nothing, and the CPU that ran
 * before it goes on for free after it): a run is its CPU's choices with other CPUs' flushes among
 * them. Taken for a run of their own, they cut the run short, and the conservative branch was
 * asked for where it was past the bound (random program 506 of the differential sweep lost an
 * ending under tso at bound 1: another CPU's flush in the middle of the run).
 */
function isFlush(node: SearchNode | undefined): boolean {
  return node?.point.choices[node.chosen]?.kind === 'flush';
}

function chosenCpu(node: SearchNode | undefined): number | undefined {
  return node?.point.choices[node.chosen]?.cpu;
}

/** The later step of a race: its choice key, its happens-before clock, and the position it ran at (the path's length for a pending step). */
interface LaterStep {
  readonly key: number;
  readonly clock: readonly number[];
  readonly end: number;
}

/**
 * With sleep sets, scheduling the later step's process at the earlier point is not enough (as in
 * Abdulla et al.'s source-set DPOR, JACM 2017): that process may be asleep there, or its step may
 * need steps of other processes first. The reversal is the steps after the earlier one that do
 * not depend on it, then the later step; one of its initials (steps nothing before them in it
 * happens before) must be explored at the earlier point. IRIW with two readers lost final states
 * without this: a reader's load raced with a write whose CPU slept at the load's point, while the
 * other reader's loads had to come before that write.
 *
 * An initial asleep there covers the orders of the reversal that begin with it. Once the bound
 * has bitten, only those within the bound: an order that begins with another initial may cost
 * fewer preemptions, so every initial awake there is asked for too (random program 174 at bound 1
 * lost a final state when an asleep initial was taken to cover the reversal: its order needed two
 * preemptions, the one beginning with the other initial one).
 */
function requestInitial(path: readonly SearchNode[], request: Request, earlierPosition: number, later: LaterStep): void {
  const earlier = path[earlierPosition];
  if (earlier === undefined) return;
  const initials = reversalInitials(path, earlierPosition, later);
  const keys = earlier.point.keys;
  const { asleep, carried } = earlier.sleep;
  if (initials.some((key) => asleep.has(key) && carried.get(key)?.unconditional === true)) return;
  if (initials.some((key) => asleep.has(key))) {
    for (const key of keys) if (initials.includes(key) && !asleep.has(key)) request(earlier, key);
    return;
  }
  const first = keys.find((key) => initials.includes(key));
  if (first === undefined) for (const key of keys) request(earlier, key);
  else if (!initials.includes(later.key) || !keys.includes(later.key)) request(earlier, first);
}

/** The keys of the reversal's initials (see requestInitial). */
function reversalInitials(path: readonly SearchNode[], earlierPosition: number, later: LaterStep): number[] {
  const earlier = path[earlierPosition];
  if (earlier === undefined) return [];
  const earlierKey = earlier.point.keys[earlier.chosen] ?? -1;
  // The first step of each process in the reversal: every later one of the process comes after it.
  const firsts: SearchNode[] = [];
  const seen = new Set<number>();
  for (let position = earlierPosition + 1; position < later.end; position++) {
    const node = path[position];
    const key = node?.point.keys[node.chosen];
    if (node === undefined || key === undefined || seen.has(key) || (node.clock[earlierKey] ?? 0) >= earlier.epoch) continue;
    seen.add(key);
    firsts.push(node);
  }
  const before = (step: { readonly clock: readonly number[] }, other: SearchNode): boolean => (step.clock[other.point.keys[other.chosen] ?? -1] ?? 0) >= other.epoch;
  const initials: number[] = [];
  for (const node of firsts) if (!firsts.some((other) => other !== node && before(node, other))) initials.push(node.point.keys[node.chosen] ?? -1);
  if (!seen.has(later.key) && !firsts.some((other) => before(later, other))) initials.push(later.key);
  return initials;
}
