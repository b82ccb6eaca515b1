import { dependent, type Footprint } from './footprint.js';
import { ExecutionDriver, pendingCode, type Bounds, type ChoicePoint, type Outcome } from './execution.js';
import { NondeterminismError, ScenarioSetupError } from './search-errors.js';
import { startExecution, type ExploreTarget } from './target.js';
import { SearchTally, type SearchProgress } from './tally.js';
import { traceFingerprint, type PerformedStep } from './trace-class.js';

// Exhaustive bounded search with dynamic partial-order reduction (Flanagan and Godefroid's DPOR
// with sleep sets). Executions are re-run from the start (the simulated machine cannot be copied),
// each following a prefix of choices and then a default that keeps the last CPU running. The
// prefix is replayed without recomputing its choice points: each step is checked against the
// operation it performed before, and a different one means the scenario is not deterministic.
// After each execution, every pair of dependent steps that were not ordered by happens-before is
// a race (a write races with every unordered read before it, not only the latest), and the search
// schedules the later step's CPU before the earlier one at the earlier point. What each CPU would
// have done next when the execution ended races too: a fault ends it early, and a task that never
// got past being dispatched is seen through to its first step another CPU can see. Interrupt and
// IPI arrivals and preemptions are added at every point the bounds allow them: they are the events
// no other step can reveal (a handler's steps are its CPU's, so no race reorders them against the
// task it interrupted). Without reduction, every choice at every point is tried.
//
// A preemption bound makes plain DPOR incomplete: the point where a race is reversed may need a
// preemption the bound no longer allows, while the same reordering elsewhere would not. As in
// Coons, Musuvathi and McKinley's bounded partial-order reduction (OOPSLA 2013), a race whose
// reversal costs a preemption also schedules the later step's CPU where the earlier step's block
// began: the latest point where a switch was free, if the earlier step's CPU has run since without
// a switch, else where that CPU's run of steps began (a switch there costs what the switch to that
// CPU cost). When the later step is an interrupt handler's, the earlier step's CPU is also tried
// before the interrupt's delivery, so that it can arrive later.
// The differential test (test/reduction.test.ts) checks all of this against the unreduced search
// on random programs.

export interface ExhaustiveOptions {
  readonly bounds: Bounds;
  /** Partial-order reduction; off explores every interleaving within the bounds. */
  readonly reduction: boolean;
  /**
   * Sleep sets on top of the reduction. Off by default: under a preemption bound a choice asleep
   * here was explored from a point with other preemptions left and another CPU last, so what the
   * bound cut there may be reachable here (a use after free in percpu-early-free was missed so).
   * They save about a third of the executions of the suite's scenarios.
   */
  readonly sleepSets?: boolean;
  readonly stopAtFirstViolation: boolean;
  readonly maxExecutions: number;
  /** Count the distinct Mazurkiewicz traces among the completed executions (costs time). */
  readonly countTraces?: boolean;
  /** Explore only this shard's part of the tree (see ShardPlan). */
  readonly shard?: { readonly index: number; readonly count: number };
  readonly onProgress?: (progress: SearchProgress) => void;
}

interface SearchNode {
  readonly point: ChoicePoint;
  chosen: number;
  readonly done: Set<number>;
  readonly backtrack: Set<number>;
  readonly sleep: ReadonlyMap<number, Footprint>;
  /** Happens-before clock of the step taken here, indexed by choice key. */
  clock: number[];
  /** How many steps of its process this step is. */
  epoch: number;
  /** Alternatives here whose subtrees another shard explores, and those every shard starts (see ShardPlan). */
  readonly ownedElsewhere: Set<number>;
  readonly shared: Set<number>;
  /** The choice first taken here (the execution that made the point took it). */
  readonly firstKey: number;
  /** A hash of the choices taken before this point, and how many of them were not the first taken at their point. */
  prefixHash: number;
  detours: number;
  /** What each alternative explored here touched (only taken alternatives are ever needed). */
  readonly footprints: Map<number, Footprint>;
  /** The pending operation's code when the taken choice was made, for checking a replay. */
  op: number;
  /** The choice taken was a step of an interrupt handler. */
  inIrq: boolean;
}

export function exhaustiveSearch(target: ExploreTarget, options: ExhaustiveOptions): SearchTally {
  const tally = new SearchTally(options.onProgress);
  const path: SearchNode[] = [];
  const index = new AccessIndex();
  const plan = options.shard === undefined ? undefined : new ShardPlan(options.shard);
  const request: Request = plan === undefined ? addAlternative : (node, key) => { plan.request(node, key); };
  let divergeAt = 0;
  for (;;) {
    plan?.beginExecution(path[divergeAt], tally.executions === 0);
    const { outcome, pending, racing } = runOne(target, options, path, divergeAt, request);
    tally.record(outcome);
    // A step a daemon had pending at the end counts as taken last: an execution that stopped just
    // before an independent step is the same trace as one that took it.
    if (options.countTraces === true && (outcome.kind === 'complete' || outcome.kind === 'violation')) tally.recordTrace(traceFingerprint([...performedSteps(path), ...pending]));
    if (options.reduction) {
      analyzeRaces(path, divergeAt, index, request);
      analyzePending(path, racing, index, request);
    }
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

/** The sleep set of every node when sleep sets are off (never written). */
const NO_SLEEP: ReadonlyMap<number, Footprint> = new Map();

/** A node's shard sets when the search is not sharded (never written: only ShardPlan writes them). */
const NO_KEYS: Set<number> = new Set();

interface ExecutionEnd {
  readonly outcome: Outcome;
  /** What each CPU would have done next when the execution ended. */
  readonly pending: readonly PerformedStep[];
  /** The same, taken on through steps no other CPU sees (see ExecutionDriver.lookahead): what races. */
  readonly racing: readonly PerformedStep[];
}

function runOne(target: ExploreTarget, options: ExhaustiveOptions, path: SearchNode[], divergeAt: number, request: Request): ExecutionEnd {
  const started = startExecution(target);
  if (!started.ok) throw new ScenarioSetupError(started.message);
  const driver = new ExecutionDriver(started.value.machine, started.value.check, options.bounds);
  for (let depth = 0; depth < divergeAt; depth++) replayNode(driver, path[depth], depth);
  let depth = divergeAt;
  let point: ChoicePoint | undefined;
  for (point = driver.nextPoint(); point !== undefined && point.choices.length > 0; point = driver.nextPoint()) {
    let node = path[depth];
    if (node === undefined) {
      const sleep = depth === 0 || !options.reduction || !options.sleepSets ? NO_SLEEP : childSleep(path[depth - 1]);
      const created = newNode(point, sleep, options.reduction, path[depth - 1], request, options.shard !== undefined);
      if (created === undefined) return { outcome: driver.outcome(true), pending: [], racing: [] };
      node = created;
      path.push(node);
    } else if (!sameKeys(node.point.keys, point.keys)) {
      throw notDeterministic(depth, node.point.keys, point.keys);
    }
    const choice = point.choices[node.chosen];
    node.op = choice === undefined ? -2 : pendingCode(driver.machine, choice);
    node.inIrq = choice?.kind === 'step' && driver.machine.contextOf(choice.cpu)?.inIrq === true;
    node.footprints.set(point.keys[node.chosen] ?? -1, driver.perform(point, node.chosen));
    depth++;
  }
  const outcome = driver.outcome(false, point);
  const pending = options.reduction || options.countTraces === true ? driver.pendingSteps() : [];
  const racing = options.reduction ? driver.lookahead(pending) : [];
  return { outcome: driver.confirmLivelock(outcome), pending, racing };
}

function* performedSteps(path: readonly SearchNode[]): Generator<PerformedStep> {
  for (const node of path) {
    const key = node.point.keys[node.chosen];
    const footprint = key === undefined ? undefined : node.footprints.get(key);
    if (key !== undefined && footprint !== undefined) yield { key, footprint };
  }
}

/** Replays the choice taken at `node` in an earlier execution. */
function replayNode(driver: ExecutionDriver, node: SearchNode | undefined, depth: number): void {
  const key = node?.point.keys[node.chosen];
  const choice = node?.point.choices[node.chosen];
  const footprint = key === undefined ? undefined : node?.footprints.get(key);
  if (node === undefined || choice === undefined || footprint === undefined) throw new Error(`no choice recorded at step ${depth}`);
  if (!driver.settle() || !driver.replay(choice, node.point.costs[node.chosen] ?? 0, footprint, node.op) || driver.machine.fault?.kind === 'replay-diverged') {
    throw new NondeterminismError(`${NOT_DETERMINISTIC}: at step ${depth} after setup the run no longer fits the choices made before`);
  }
}

/** The same choices gave another run: kernel code that keeps state outside simulated memory (a counter in a closure, the host clock) does that. */
const NOT_DETERMINISTIC = 'the run is not deterministic (does the strategy or the scenario keep state outside simulated memory, such as a variable its code closes over?)';

function sameKeys(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let index = 0; index < a.length; index++) if (a[index] !== b[index]) return false;
  return true;
}

function notDeterministic(depth: number, before: readonly number[], now: readonly number[]): NondeterminismError {
  return new NondeterminismError(`${NOT_DETERMINISTIC}: at step ${depth} after setup the choices were [${before.join(' ')}], now [${now.join(' ')}]`);
}

/**
 * A node for a new point: the default choice is the last CPU again, else the first awake choice.
 * Interrupts, IPIs and preemptions (every choice, without reduction) are asked for at once.
 */
function newNode(point: ChoicePoint, sleep: ReadonlyMap<number, Footprint>, reduction: boolean, parent: SearchNode | undefined, request: Request, sharded: boolean): SearchNode | undefined {
  const chosen = defaultChoice(point, sleep);
  if (chosen === undefined) return undefined;
  const firstKey = point.keys[chosen] ?? -1;
  const parentKey = parent?.point.keys[parent.chosen] ?? -1;
  const node: SearchNode = {
    point, chosen, done: new Set(), backtrack: new Set([firstKey]), sleep, clock: [], epoch: 0, ownedElsewhere: sharded ? new Set() : NO_KEYS, shared: sharded ? new Set() : NO_KEYS, firstKey,
    prefixHash: parent === undefined ? HASH_SEED : mixHash(parent.prefixHash, parentKey), detours: parent === undefined ? 0 : parent.detours + (parentKey === parent.firstKey ? 0 : 1),
    footprints: new Map(), op: -2, inIrq: false,
  };
  for (let index = 0; index < point.keys.length; index++) {
    const key = point.keys[index] ?? -1;
    if (sleep.has(key) || key === firstKey) continue;
    const kind = point.choices[index]?.kind;
    if (!reduction || kind === 'irq' || kind === 'ipi' || kind === 'preempt') request(node, key);
  }
  return node;
}

/** The index of the choice a new point takes first, or undefined when every choice is asleep. */
function defaultChoice(point: ChoicePoint, sleep: ReadonlyMap<number, Footprint>): number | undefined {
  let chosen = -1;
  let firstStep = -1;
  let firstAwake = -1;
  for (let index = 0; index < point.keys.length; index++) {
    if (sleep.has(point.keys[index] ?? -1)) continue;
    if (firstAwake < 0) firstAwake = index;
    const choice = point.choices[index];
    if (choice?.kind !== 'step') continue;
    if (firstStep < 0) firstStep = index;
    // Staying on the CPU that stepped last costs nothing: that is the step whose cost is 0 while a switch would cost 1.
    if (chosen < 0 && point.costs[index] === 0 && !point.freeSwitch) chosen = index;
  }
  if (firstAwake < 0) return undefined;
  if (chosen >= 0) return chosen;
  return firstStep >= 0 ? firstStep : firstAwake;
}

/** Asks for an alternative at a point: plainly, or through the shard plan. */
type Request = (node: SearchNode, key: number) => void;

function addAlternative(node: SearchNode, key: number): void {
  node.backtrack.add(key);
}

/** Alternatives that stray from the first execution by at most this many choices are started by every shard. */
const SHARED_DETOURS = 2;

/**
 * How shards split one search with no word between them. Every shard runs the first execution,
 * and every alternative it asks for that strays from it by at most SHARED_DETOURS choices is
 * started by every shard too: what those shared executions ask for is the same in every shard.
 * Anything further they ask for is dealt by a hash of its choices: its owner explores its whole
 * subtree, the others skip it. What a shard's own executions ask for, and no shared execution
 * dealt, is explored by that shard: no other shard may ever see the race that asks for it. Every
 * alternative asked for is explored by some shard, so together they cover what one search
 * covers; an alternative found by two shards is explored twice, which costs time, not coverage.
 */
class ShardPlan {
  private sharedExecution = true;

  constructor(private readonly shard: { readonly index: number; readonly count: number }) {}

  /** The execution about to run is every shard's when it starts an alternative every shard starts. */
  beginExecution(diverging: SearchNode | undefined, first: boolean): void {
    const key = diverging?.point.keys[diverging.chosen];
    this.sharedExecution = first || (key !== undefined && diverging?.shared.has(key) === true);
  }

  request(node: SearchNode, key: number): void {
    if (!this.sharedExecution || key === node.firstKey) {
      if (!node.ownedElsewhere.has(key)) node.backtrack.add(key);
      return;
    }
    if (node.shared.has(key) || node.ownedElsewhere.has(key)) return;
    if (node.detours < SHARED_DETOURS) {
      node.shared.add(key);
      node.backtrack.add(key);
    } else if (mixHash(node.prefixHash, key) % this.shard.count === this.shard.index) {
      node.backtrack.add(key);
    } else {
      node.ownedElsewhere.add(key);
    }
  }
}

const HASH_SEED = 0x811c9dc5;

function mixHash(hash: number, key: number): number {
  return Math.imul(hash ^ (key + 1), 0x01000193) >>> 0;
}

/** Choices explored before the one taken here, and still independent of it, sleep in the child. */
function childSleep(parent: SearchNode | undefined): Map<number, Footprint> {
  const sleep = new Map<number, Footprint>();
  if (parent === undefined) return sleep;
  const takenKey = parent.point.keys[parent.chosen] ?? -1;
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

/**
 * For each step from `from` on, finds the latest earlier dependent step not ordered before it by
 * happens-before: a race. The later step's process is scheduled at the earlier step's point (or
 * every choice there, when it was not enabled then).
 *
 * Only the latest dependent steps per location and per CPU need looking at: any earlier one is
 * ordered before one of them, and so before this step too.
 */
function analyzeRaces(path: SearchNode[], from: number, index: AccessIndex, request: Request): void {
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
function analyzePending(path: readonly SearchNode[], pending: readonly PerformedStep[], index: AccessIndex, request: Request): void {
  for (const { key, footprint } of pending) {
    for (const earlier of happensBefore(path, key, index.predecessors(key, footprint)).races) reverseRace(path, request, earlier, key);
  }
}

/** What adding one step changed in the index, to take it back. */
interface IndexUndo {
  readonly position: number;
  readonly key: number;
  readonly previousOfProcess: number | undefined;
  readonly cpu: number;
  readonly previousOnCpu: number | undefined;
  readonly footprint: Footprint;
  /** Per written location: its last writer and its readers before this step. */
  readonly writes: readonly { readonly lastWrite: number | undefined; readonly readers: number[] | undefined }[];
}

/**
 * The latest steps that touched each location, ran on each CPU, or belong to each process. It is
 * kept from one execution to the next: the steps the next one shares are taken back no further
 * than where it diverges, so each execution's analysis costs only its new steps.
 */
class AccessIndex {
  private readonly lastWrite = new Map<number, number>();
  private readonly readsSinceWrite = new Map<number, number[]>();
  private readonly lastOnCpu: (number | undefined)[] = [];
  private readonly lastOfProcess: (number | undefined)[] = [];
  private readonly undo: IndexUndo[] = [];
  /** For `predecessors`: the call that last listed each position, and how many calls there were. */
  private readonly listedIn: number[] = [];
  private calls = 0;

  /** Takes back every step from `position` on. */
  truncate(position: number): void {
    for (let entry = this.undo.at(-1); entry !== undefined && entry.position >= position; entry = this.undo.at(-1)) {
      this.undo.pop();
      const { footprint } = entry;
      for (let read = footprint.reads.length - 1; read >= 0; read--) this.readsSinceWrite.get(footprint.reads[read] ?? -1)?.pop();
      for (let write = footprint.writes.length - 1; write >= 0; write--) {
        const location = footprint.writes[write] ?? -1;
        const saved = entry.writes[write];
        if (saved?.lastWrite === undefined) this.lastWrite.delete(location);
        else this.lastWrite.set(location, saved.lastWrite);
        if (saved?.readers === undefined) this.readsSinceWrite.delete(location);
        else this.readsSinceWrite.set(location, saved.readers);
      }
      this.lastOnCpu[entry.cpu] = entry.previousOnCpu;
      this.lastOfProcess[entry.key] = entry.previousOfProcess;
    }
  }

  /** Positions of the steps a step with this footprint depends on directly, latest first. */
  predecessors(key: number, footprint: Footprint): number[] {
    const found: number[] = [];
    const call = ++this.calls;
    this.note(found, this.lastOfProcess[key], call);
    this.note(found, this.lastOnCpu[footprint.cpu], call);
    for (const location of footprint.reads) this.note(found, this.lastWrite.get(location), call);
    for (const location of footprint.writes) {
      this.note(found, this.lastWrite.get(location), call);
      const readers = this.readsSinceWrite.get(location);
      // Latest first, so that the sort below finds them nearly in place.
      if (readers !== undefined) for (let reader = readers.length - 1; reader >= 0; reader--) this.note(found, readers[reader], call);
    }
    sortLatestFirst(found);
    return found;
  }

  /** Adds a position once per call: `listedIn` says by which call it was last listed. */
  private note(found: number[], position: number | undefined, call: number): void {
    if (position === undefined || this.listedIn[position] === call) return;
    this.listedIn[position] = call;
    found.push(position);
  }

  add(position: number, key: number, footprint: Footprint): void {
    const writes: { lastWrite: number | undefined; readers: number[] | undefined }[] = [];
    this.undo.push({ position, key, previousOfProcess: this.lastOfProcess[key], cpu: footprint.cpu, previousOnCpu: this.lastOnCpu[footprint.cpu], footprint, writes });
    this.lastOfProcess[key] = position;
    this.lastOnCpu[footprint.cpu] = position;
    for (const location of footprint.writes) {
      writes.push({ lastWrite: this.lastWrite.get(location), readers: this.readsSinceWrite.get(location) });
      this.lastWrite.set(location, position);
      this.readsSinceWrite.delete(location);
    }
    for (const location of footprint.reads) {
      const readers = this.readsSinceWrite.get(location);
      if (readers === undefined) this.readsSinceWrite.set(location, [position]);
      else readers.push(position);
    }
  }
}

/**
 * Insertion sort, latest first. The lists are short and nearly sorted, and Array.prototype.sort
 * allocated a sixth of everything the search allocated.
 */
function sortLatestFirst(positions: number[]): void {
  for (let index = 1; index < positions.length; index++) {
    const position = positions[index] ?? 0;
    let hole = index;
    for (; hole > 0 && (positions[hole - 1] ?? 0) < position; hole--) positions[hole] = positions[hole - 1] ?? 0;
    positions[hole] = position;
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

/** The deepest point with a choice still to explore; the path is cut back to it. */
function nextBranch(path: SearchNode[]): number | undefined {
  while (path.length > 0) {
    const depth = path.length - 1;
    const node = path[depth];
    if (node === undefined) break;
    node.done.add(node.point.keys[node.chosen] ?? -1);
    const next = node.point.keys.findIndex((key) => node.backtrack.has(key) && !node.done.has(key) && !node.sleep.has(key) && !node.ownedElsewhere.has(key));
    if (next >= 0) {
      node.chosen = next;
      return depth;
    }
    path.pop();
  }
  return undefined;
}
