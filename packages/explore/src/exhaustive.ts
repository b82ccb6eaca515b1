import { dependent, type Footprint } from './footprint.js';
import { ExecutionDriver, type Bounds, type ChoicePoint, type Outcome } from './execution.js';
import { startExecution, type ExploreTarget } from './target.js';
import { SearchTally, type SearchProgress } from './tally.js';

// Exhaustive bounded search with dynamic partial-order reduction (Flanagan and Godefroid's DPOR
// with sleep sets). Executions are re-run from the start (the simulated machine cannot be copied),
// each following a prefix of choices and then a default that keeps the last CPU running. After
// each execution, every pair of dependent steps that were not ordered by happens-before is a race,
// and the search schedules the later step's CPU before the earlier one at the earlier point.
// Interrupt arrivals and preemptions are added at every point the bounds allow them: they are
// the events no other step can reveal. Without reduction, every choice at every point is tried.

export interface ExhaustiveOptions {
  readonly bounds: Bounds;
  /** Partial-order reduction; off explores every interleaving within the bounds. */
  readonly reduction: boolean;
  readonly stopAtFirstViolation: boolean;
  readonly maxExecutions: number;
  /** Explore only the subtrees at the first branching point that belong to this shard. */
  readonly shard?: { readonly index: number; readonly count: number };
  readonly onProgress?: (progress: SearchProgress) => void;
}

interface SearchNode {
  readonly point: ChoicePoint;
  chosen: number;
  readonly done: Set<string>;
  readonly backtrack: Set<string>;
  readonly sleep: Map<string, Footprint>;
  /** Happens-before clock of the step taken here, by process (choice key) number. */
  clock: number[];
  /** How many steps of its process this step is. */
  epoch: number;
  /** The shards' split point: alternatives are explored in index order across all shards. */
  readonly split: boolean;
  /** What each alternative explored here touched (only taken alternatives are ever needed). */
  readonly footprints: Map<string, Footprint>;
}

export class NondeterminismError extends Error {}

export function exhaustiveSearch(target: ExploreTarget, options: ExhaustiveOptions): SearchTally {
  const tally = new SearchTally(options.onProgress);
  const processes = new Map<string, number>();
  const path: SearchNode[] = [];
  let divergeAt = 0;
  for (;;) {
    const outcome = runOne(target, options, path);
    tally.record(outcome);
    if (options.reduction) analyzeRaces(path, divergeAt, processes);
    if (tally.shouldStop(options.stopAtFirstViolation, options.maxExecutions)) break;
    const next = nextBranch(path);
    if (next === undefined) {
      tally.finishedSearch();
      break;
    }
    divergeAt = next;
  }
  return tally;
}

function runOne(target: ExploreTarget, options: ExhaustiveOptions, path: SearchNode[]): Outcome {
  const started = startExecution(target);
  if ('error' in started) throw new Error(started.error);
  const driver = new ExecutionDriver(started.machine, started.check, options.bounds);
  let depth = 0;
  let pruned = false;
  for (let point = driver.nextPoint(); point !== undefined && point.choices.length > 0; point = driver.nextPoint()) {
    let node = path[depth];
    if (node === undefined) {
      const sleep = depth === 0 || !options.reduction ? new Map<string, Footprint>() : childSleep(path[depth - 1]);
      const firstBranch = point.choices.length > 1 && path.every((earlier) => earlier.point.choices.length === 1);
      const shard = options.shard;
      const created = shard !== undefined && firstBranch ? shardNode(point, shard) : newNode(point, sleep, options.reduction);
      if (created === undefined) {
        pruned = true;
        break;
      }
      node = created;
      path.push(node);
    } else if (node.point.keys.join() !== point.keys.join()) {
      throw new NondeterminismError(
        `the scenario is not deterministic: at step ${depth} after setup the choices were [${node.point.keys.join(' ')}], now [${point.keys.join(' ')}]`,
      );
    }
    node.footprints.set(point.keys[node.chosen] ?? '', driver.perform(point, node.chosen));
    depth++;
  }
  return driver.outcome(pruned);
}

/** A node for a new point: the default choice is the last CPU again, else the first awake choice. */
function newNode(point: ChoicePoint, sleep: Map<string, Footprint>, reduction: boolean): SearchNode | undefined {
  const awake = point.keys.map((key, index) => (sleep.has(key) ? -1 : index)).filter((index) => index >= 0);
  if (awake.length === 0) return undefined;
  const sameCpu = awake.find((index) => point.choices[index]?.kind === 'step' && point.choices[index].cpu === point.lastCpu);
  const ipiHere = awake.find((index) => point.choices[index]?.kind === 'ipi' && point.choices[index].cpu === point.lastCpu);
  const firstStep = awake.find((index) => point.choices[index]?.kind === 'step');
  const chosen = ipiHere ?? sameCpu ?? firstStep ?? awake[0] ?? 0;
  const backtrack = new Set<string>([point.keys[chosen] ?? '']);
  for (const index of awake) {
    const kind = point.choices[index]?.kind;
    if (!reduction || kind === 'irq' || kind === 'preempt') backtrack.add(point.keys[index] ?? '');
  }
  return { point, chosen, done: new Set(), backtrack, sleep, clock: [], epoch: 0, split: false, footprints: new Map() };
}

/**
 * Shards split the tree at its first point with more than one choice: alternative i there belongs
 * to shard i mod n, and every alternative is explored (no reduction at the split), so races found
 * in one shard's subtrees never need a branch another shard owns. All shards take the
 * alternatives in index order and treat the lower ones as explored (another shard explores them),
 * so sleep sets prune each shard's subtrees exactly as one search taking that order would.
 */
function shardNode(point: ChoicePoint, shard: { readonly index: number; readonly count: number }): SearchNode | undefined {
  const owned = point.keys.filter((_, index) => index % shard.count === shard.index);
  const first = owned[0];
  if (first === undefined) return undefined;
  const chosen = point.keys.indexOf(first);
  return { point, chosen, done: new Set(point.keys.slice(0, chosen)), backtrack: new Set(owned), sleep: new Map(), clock: [], epoch: 0, split: true, footprints: new Map() };
}

/** Choices explored before the one taken here, and still independent of it, sleep in the child. */
function childSleep(parent: SearchNode | undefined): Map<string, Footprint> {
  const sleep = new Map<string, Footprint>();
  if (parent === undefined) return sleep;
  const takenKey = parent.point.keys[parent.chosen] ?? '';
  const taken = parent.footprints.get(takenKey);
  if (taken === undefined) return sleep;
  for (const [key, footprint] of parent.sleep) if (!dependent(footprint, taken)) sleep.set(key, footprint);
  for (const key of parent.done) {
    if (key === takenKey) continue;
    const footprint = parent.footprints.get(key);
    if (footprint !== undefined && !dependent(footprint, taken)) sleep.set(key, footprint);
  }
  return sleep;
}

function processOf(processes: Map<string, number>, key: string): number {
  let id = processes.get(key);
  if (id === undefined) {
    id = processes.size;
    processes.set(key, id);
  }
  return id;
}

/**
 * For each step from `from` on, finds the latest earlier dependent step not ordered before it by
 * happens-before: a race. The later step's process is scheduled at the earlier step's point (or
 * every choice there, when it was not enabled then).
 *
 * Only the latest dependent steps per location and per CPU need looking at: any earlier one is
 * ordered before one of them, and so before this step too.
 */
function analyzeRaces(path: SearchNode[], from: number, processes: Map<string, number>): void {
  const index = new AccessIndex();
  for (let position = 0; position < path.length; position++) {
    const node = path[position];
    const key = node?.point.keys[node.chosen];
    const footprint = key === undefined ? undefined : node?.footprints.get(key);
    if (node === undefined || key === undefined || footprint === undefined) continue;
    if (position >= from) clockStep(path, node, key, index.predecessors(key, footprint), processes);
    index.add(position, key, footprint);
  }
}

/** Gives a step its happens-before clock from its dependent predecessors, reversing the latest race. */
function clockStep(path: readonly SearchNode[], node: SearchNode, key: string, predecessors: readonly number[], processes: Map<string, number>): void {
  const programPredecessor = predecessors.find((position) => {
    const earlier = path[position];
    return earlier !== undefined && earlier.point.keys[earlier.chosen] === key;
  });
  node.epoch = programPredecessor === undefined ? 1 : (path[programPredecessor]?.epoch ?? 0) + 1;
  node.clock = [];
  let raced = false;
  for (const position of predecessors) {
    const earlier = path[position];
    if (earlier === undefined) continue;
    const earlierKey = earlier.point.keys[earlier.chosen] ?? '';
    const earlierProcess = processOf(processes, earlierKey);
    const ordered = (node.clock[earlierProcess] ?? 0) >= earlier.epoch;
    if (!ordered && earlierKey !== key && !raced) {
      reverseRace(earlier, key);
      raced = true;
    }
    merge(node.clock, earlier.clock);
    node.clock[earlierProcess] = Math.max(node.clock[earlierProcess] ?? 0, earlier.epoch);
  }
  node.clock[processOf(processes, key)] = node.epoch;
}

/** The latest steps that touched each location, ran on each CPU, or belong to each process. */
class AccessIndex {
  private readonly lastWrite = new Map<number, number>();
  private readonly readsSinceWrite = new Map<number, number[]>();
  private readonly lastOnCpu = new Map<number, number>();
  private readonly lastOfProcess = new Map<string, number>();

  /** Positions of the steps a step with this footprint depends on directly, latest first. */
  predecessors(key: string, footprint: Footprint): number[] {
    const found = new Set<number>();
    const add = (position: number | undefined): void => {
      if (position !== undefined) found.add(position);
    };
    add(this.lastOfProcess.get(key));
    add(this.lastOnCpu.get(footprint.cpu));
    for (const location of footprint.reads) add(this.lastWrite.get(location));
    for (const location of footprint.writes) {
      add(this.lastWrite.get(location));
      for (const reader of this.readsSinceWrite.get(location) ?? []) found.add(reader);
    }
    return [...found].sort((a, b) => b - a);
  }

  add(position: number, key: string, footprint: Footprint): void {
    this.lastOfProcess.set(key, position);
    this.lastOnCpu.set(footprint.cpu, position);
    for (const location of footprint.writes) {
      this.lastWrite.set(location, position);
      this.readsSinceWrite.set(location, []);
    }
    for (const location of footprint.reads) {
      const readers = this.readsSinceWrite.get(location);
      if (readers === undefined) this.readsSinceWrite.set(location, [position]);
      else readers.push(position);
    }
  }
}

function reverseRace(earlier: SearchNode, laterKey: string): void {
  if (earlier.point.keys.includes(laterKey)) earlier.backtrack.add(laterKey);
  else for (const key of earlier.point.keys) earlier.backtrack.add(key);
}

function merge(into: number[], from: readonly number[]): void {
  for (let index = 0; index < from.length; index++) {
    const value = from[index] ?? 0;
    if (value > (into[index] ?? 0)) into[index] = value;
  }
}

/** The deepest point with a choice still to explore; the path is cut back to it. */
function nextBranch(path: SearchNode[]): number | undefined {
  while (path.length > 0) {
    const depth = path.length - 1;
    const node = path[depth];
    if (node === undefined) break;
    node.done.add(node.point.keys[node.chosen] ?? '');
    const next = node.point.keys.findIndex((key) => node.backtrack.has(key) && !node.done.has(key) && !node.sleep.has(key));
    if (next >= 0) {
      node.chosen = next;
      if (node.split) for (const key of node.point.keys.slice(0, next)) node.done.add(key);
      return depth;
    }
    path.pop();
  }
  return undefined;
}
