import type { AccessIndex } from './access-index.js';
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
export function analyzeRaces(path: SearchNode[], from: number, index: AccessIndex, request: Request): void {
  // The index still holds the steps before `from` from the last execution, which shared them.
  index.truncate(from);
  for (let position = from; position < path.length; position++) {
    const node = path[position];
    if (node === undefined) continue;
    const key = node.point.keys[node.chosen];
    const footprint = key === undefined ? undefined : node.footprints.get(key);
    if (key === undefined || footprint === undefined) continue;
    clockStep(path, position, key, index.predecessors(key, footprint), request);
    index.add(position, key, footprint);
  }
}

/** Gives a step its happens-before clock from its dependent predecessors, reversing the latest race. */
function clockStep(path: readonly SearchNode[], position: number, key: number, predecessors: readonly number[], request: Request): void {
  const node = path[position];
  if (node === undefined) return;
  const ordering = happensBefore(path, key, predecessors);
  node.epoch = ordering.epoch;
  node.clock = ordering.clock;
  for (const earlier of ordering.races) reverseRace(path, request, earlier, key, position);
}

/**
 * A step's happens-before clock and epoch from its dependent predecessors (latest first), and
 * those of them of another process not ordered before it through another: the races to reverse.
 */
function happensBefore(path: readonly SearchNode[], key: number, predecessors: readonly number[]): { clock: number[]; epoch: number; races: number[] } {
  let epoch = 1;
  for (const earlierPosition of predecessors) {
    const earlier = path[earlierPosition];
    if (earlier !== undefined && earlier.point.keys[earlier.chosen] === key) {
      epoch = earlier.epoch + 1;
      break;
    }
  }
  const clock: number[] = [];
  const races: number[] = [];
  for (const earlierPosition of predecessors) {
    const earlier = path[earlierPosition];
    if (earlier === undefined) continue;
    const earlierKey = earlier.point.keys[earlier.chosen] ?? -1;
    const ordered = (clock[earlierKey] ?? 0) >= earlier.epoch;
    if (!ordered && earlierKey !== key) races.push(earlierPosition);
    merge(clock, earlier.clock);
    if ((clock[earlierKey] ?? 0) < earlier.epoch) clock[earlierKey] = earlier.epoch;
  }
  clock[key] = epoch;
  return { clock, epoch, races };
}

/**
 * The steps still pending when an execution ended (a daemon such as a stopper thread left
 * between two operations when the last ordinary task exited) race with what ran before them
 * just as executed steps do; without this, a search would never run them earlier.
 */
export function analyzePending(path: readonly SearchNode[], pending: readonly PerformedStep[], index: AccessIndex, request: Request): void {
  for (const { key, footprint } of pending) {
    for (const earlier of happensBefore(path, key, index.predecessors(key, footprint)).races) reverseRace(path, request, earlier, key);
  }
}

/**
 * Schedules `laterKey` at the earlier step's point, or every choice there when it was not one.
 * When it costs a preemption there, it is also scheduled where the earlier step's block began
 * (bounded partial-order reduction's conservative branch, see blockStartOf).
 */
function reverseRace(path: readonly SearchNode[], request: Request, earlierPosition: number, laterKey: number, laterPosition?: number): void {
  const earlier = path[earlierPosition];
  if (earlier === undefined) return;
  const at = earlier.point.keys.indexOf(laterKey);
  if (at >= 0) request(earlier, laterKey);
  else for (const key of earlier.point.keys) request(earlier, key);
  if (at >= 0 && (earlier.point.costs[at] ?? 0) === 0) return;
  const blockStart = path[blockStartOf(path, earlierPosition)];
  if (blockStart?.point.keys.includes(laterKey) === true) request(blockStart, laterKey);
  if (laterPosition !== undefined) runBeforeInterrupt(path, request, earlierPosition, laterPosition);
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
 * Where the run of consecutive choices on the CPU of the choice at `position` began: its steps,
 * and the interrupts delivered to it, whose handlers run as its steps.
 */
function runStart(path: readonly SearchNode[], position: number): number {
  const cpu = chosenCpu(path[position]);
  let start = position;
  while (start > 0 && chosenCpu(path[start - 1]) === cpu) start--;
  return start;
}

function chosenCpu(node: SearchNode | undefined): number | undefined {
  return node?.point.choices[node.chosen]?.cpu;
}

function merge(into: number[], from: readonly number[]): void {
  for (let index = 0; index < from.length; index++) {
    const value = from[index];
    if (value !== undefined && value > (into[index] ?? 0)) into[index] = value;
  }
}
