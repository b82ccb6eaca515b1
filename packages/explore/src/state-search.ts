import type { Choice } from '@kmodsim/cpu';
import { ExecutionDriver, type Bounds, type ChoicePoint, type Outcome } from './execution.js';
import type { Footprint } from './footprint.js';
import { NondeterminismError } from './search-errors.js';
import { checkpointDiverged, crossCheck, type ExecutionStarts, type Start } from './starts.js';
import { SearchTally, type SearchProgress } from './tally.js';

// Explicit-state search: every interleaving within the bounds, as the unreduced search tries
// them, except that an execution stops where the machine reaches a state an earlier execution of
// the search reached with no more preemptions and interrupts spent: what can follow was explored
// from there already, with at least the budget left now (a state is the machine's fingerprint,
// Machine.stateFingerprint, with what the driver keeps that decides the choices offered: the last
// CPU, whether it switched or buffered a store, and which CPUs the spin watch holds back). So it
// finds every ending the unreduced search finds, in as many executions as there are ways into
// distinct states rather than orders of steps: where a design's runs meet again in few states
// (per-CPU counters summed under a lock, a stop_machine that serialises everything) that is far
// fewer than partial-order reduction needs. The differential tests compare it with the unreduced
// search on random programs and on the suite. Points without a fingerprint (an interrupt handler
// running, an IPI waiting) are never cut there. Left out of a state, and so not told apart: the
// steps an execution has taken, which only the bound on steps (a livelock past it) reads.
//
// Executions start from the checkpoint after setup, with replay logs on (a task's state is its
// log), and re-run their prefix as the partial-order search does; the same sample of them is run
// again on a fresh boot and compared (see starts.ts).

export interface StateSearchOptions {
  readonly bounds: Bounds;
  readonly stopAtFirstViolation: boolean;
  readonly maxExecutions: number;
  readonly onProgress?: (progress: SearchProgress) => void;
}

/**
 * A point of the current path: its choices in the order tried (cheapest first), which is taken
 * now, and what taking it did (so that a later execution replays it without working out the
 * point again, as the partial-order search does).
 */
interface StateNode {
  readonly point: ChoicePoint;
  readonly order: readonly number[];
  at: number;
  footprint: Footprint | undefined;
  op: number;
  facts: number;
  /** The state where the point was met (see stateKey), while it is on the path. */
  readonly key: number | undefined;
}

/** How an execution of the search ended: at its own end, or cut at a state seen before. */
interface RunEnd {
  readonly outcome: Outcome;
  readonly seenBefore: boolean;
  /** Cut at a state met before on its own path. */
  readonly cycle: boolean;
}

/**
 * The search, or where time decides what happens (a schedule_timeout() timer armed or pending)
 * or a run can go round a cycle of states, the executions run until that was seen, `handedOver`
 * (code sees time only through timers, so until one is armed the clocks need not be part of a
 * state; a cycle cut where it closes would hide a livelock).
 */
export function stateSearch(options: StateSearchOptions, starts: ExecutionStarts): { readonly tally: SearchTally; readonly handedOver: boolean } {
  const tally = new SearchTally(options.onProgress);
  const path = new StatePath();
  const visited = new VisitedStates();
  let divergeAt = 0;
  for (;;) {
    const start = starts.next();
    const armedAtStart = start.machine.timersArmed;
    let end: RunEnd;
    try {
      end = runOne(start, options.bounds, path, divergeAt, visited);
    } catch (error) {
      if (!(error instanceof NondeterminismError) || !starts.fromCheckpoint) throw error;
      throw checkpointDiverged(error.where);
    }
    const taken = path.nodes.map((node) => node.order[node.at] ?? -1);
    const timed = start.machine.timerPending || start.machine.timersArmed > armedAtStart;
    crossCheck(starts, start, end.outcome, (fresh) => runAgain(fresh, options.bounds, taken, end.seenBefore));
    tally.record(end.outcome);
    if (timed || end.cycle) {
      // Time decides what follows a timer, and runs that meet in a state seldom meet at the same
      // clocks; a cycle can be gone round until the step bound: the caller searches this pass by
      // partial-order reduction instead.
      return { tally, handedOver: true };
    }
    if (tally.shouldStop(options.stopAtFirstViolation, options.maxExecutions)) break;
    const next = path.nextBranch();
    if (next === undefined) {
      tally.finishedSearch();
      break;
    }
    divergeAt = next;
  }
  return { tally, handedOver: false };
}

/** Runs the next execution: the path's choices up to `divergeAt`, then new points, first choice first, until its end or a state seen before. */
function runOne(start: Start, bounds: Bounds, path: StatePath, divergeAt: number, visited: VisitedStates): RunEnd {
  const driver = new ExecutionDriver(start.machine, start.check, bounds);
  for (let depth = 0; depth < divergeAt; depth++) replayNode(driver, path.nodes[depth], depth);
  let depth = divergeAt;
  let point: ChoicePoint | undefined;
  for (point = driver.nextPoint(); point !== undefined && point.choices.length > 0; point = driver.nextPoint(), depth++) {
    let node = path.nodes[depth];
    if (node === undefined) {
      // Only where there is a choice: runs that meet at a point with one way on meet at the next point with two.
      const key = point.choices.length > 1 ? stateKey(driver) : undefined;
      // A state on this execution's own path is a cycle (a kthread's loop, whose log a rest point
      // cuts back), not a meeting: a run round it for ever is a livelock only the step bound sees.
      if (key !== undefined && path.holds(key)) return { outcome: driver.outcome(true), seenBefore: true, cycle: true };
      if (key !== undefined && visited.seen(key, driver)) return { outcome: driver.outcome(true), seenBefore: true, cycle: false };
      node = { point, order: cheapestFirst(point), at: 0, footprint: undefined, op: -2, facts: 0, key };
      path.push(node);
    } else if (node.point.choices.length !== point.choices.length) {
      throw notDeterministic(depth);
    }
    node.footprint = driver.perform(point, node.order[node.at] ?? 0);
    node.op = driver.lastOpCode;
    node.facts = driver.lastFacts;
  }
  return { outcome: driver.confirmLivelock(driver.outcome(false, point)), seenBefore: false, cycle: false };
}

/** Replays the choice taken at `node` in an earlier execution, as it went then. */
function replayNode(driver: ExecutionDriver, node: StateNode | undefined, depth: number): void {
  const index = node?.order[node.at];
  const choice: Choice | undefined = index === undefined ? undefined : node?.point.choices[index];
  if (node === undefined || index === undefined || choice === undefined || node.footprint === undefined) throw new Error(`no choice recorded at step ${depth}`);
  if (!driver.settle() || !driver.replay(choice, node.point.costs[index] ?? 0, node.footprint, node.op, node.facts) || driver.machine.fault?.kind === 'replay-diverged') {
    throw notDeterministic(depth);
  }
}

function notDeterministic(depth: number): NondeterminismError {
  const where = `at step ${depth} after setup the run no longer fits the choices made before`;
  return new NondeterminismError(`the run is not deterministic (does the strategy or the scenario keep state outside simulated memory?): ${where}`, where);
}

/** The same execution again (a fresh boot's, for the cross-check): the same choices, ended as it was. */
function runAgain(start: Start, bounds: Bounds, taken: readonly number[], seenBefore: boolean): Outcome {
  const driver = new ExecutionDriver(start.machine, start.check, bounds);
  for (const [depth, index] of taken.entries()) {
    const point = driver.nextPoint();
    if (point === undefined || index < 0 || index >= point.choices.length) throw notDeterministic(depth);
    driver.perform(point, index);
  }
  if (seenBefore) return driver.outcome(true);
  const point = driver.nextPoint();
  return driver.confirmLivelock(driver.outcome(false, point));
}

/** A point's choices, those costing no preemption first: a state is reached first with the least budget spent, and later ways into it are cut. */
function cheapestFirst(point: ChoicePoint): number[] {
  const order = point.choices.map((_, index) => index);
  return order.sort((a, b) => (point.costs[a] ?? 0) - (point.costs[b] ?? 0) || a - b);
}

/** The points of the current execution, and how often each state where one was met is on it. */
class StatePath {
  readonly nodes: StateNode[] = [];
  private readonly keys = new Map<number, number>();

  push(node: StateNode): void {
    this.nodes.push(node);
    if (node.key !== undefined) this.keys.set(node.key, (this.keys.get(node.key) ?? 0) + 1);
  }

  holds(key: number): boolean {
    return this.keys.has(key);
  }

  /** The deepest point with a choice still to try, moved on to it; the path is cut back to it. */
  nextBranch(): number | undefined {
    const nodes = this.nodes;
    for (let node = nodes[nodes.length - 1]; node !== undefined; node = nodes[nodes.length - 1]) {
      if (node.at + 1 < node.order.length) {
        node.at++;
        return nodes.length - 1;
      }
      nodes.pop();
      if (node.key === undefined) continue;
      const count = (this.keys.get(node.key) ?? 0) - 1;
      if (count > 0) this.keys.set(node.key, count);
      else this.keys.delete(node.key);
    }
    return undefined;
  }
}

/** States reached so far, each with the budgets (preemptions, interrupts) it was reached with, none dominating another. */
class VisitedStates {
  private readonly budgets = new Map<number, number[]>();

  /** Whether the driver's state now (`key`) was reached before with no more spent; if not, it is recorded. */
  seen(key: number, driver: ExecutionDriver): boolean {
    const preemptions = driver.preemptionCount;
    const irqs = driver.irqCount;
    const spent = this.budgets.get(key);
    if (spent === undefined) {
      this.budgets.set(key, [preemptions, irqs]);
      return false;
    }
    for (let index = 0; index < spent.length; index += 2) {
      if ((spent[index] ?? 0) <= preemptions && (spent[index + 1] ?? 0) <= irqs) return true;
    }
    spent.push(preemptions, irqs);
    return false;
  }

  get size(): number {
    return this.budgets.size;
  }
}

/** The machine's fingerprint combined with the driver's own state: undefined where the machine has none. */
function stateKey(driver: ExecutionDriver): number | undefined {
  const machineKey = driver.machine.stateFingerprint({ clocks: false });
  if (machineKey === undefined) return undefined;
  const own = driver.ownStateHash();
  const high = (Math.floor(machineKey / 2 ** 21) ^ own) >>> 0;
  const low = (machineKey % 2 ** 21) ^ (Math.imul(own, 0x9e3779b1) >>> 11);
  return high * 2 ** 21 + low;
}
