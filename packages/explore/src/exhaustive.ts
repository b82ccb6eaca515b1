import { AccessIndex } from './access-index.js';
import { ranInIrq } from './execution-steps.js';
import { ExecutionDriver, type Bounds, type ChoicePoint, type Outcome } from './execution.js';
import { analyzePending, analyzeRaces } from './races.js';
import { addKey, type Request, type SearchNode } from './search-node.js';
import { NondeterminismError } from './search-errors.js';
import { HASH_SEED, mixHash, ShardPlan } from './shard-plan.js';
import { checkpointDiverged, crossCheck, ExecutionStarts, type Start } from './starts.js';
import type { ExploreTarget } from './target.js';
import { childSleep, NO_SLEEP, recordRuns, takenSleep, type RunRecord, type SleepSet } from './sleep-sets.js';
import { SearchTally, type SearchProgress } from './tally.js';
import { traceFingerprint, type PerformedStep } from './trace-class.js';
import { HASH2_SEED, mixHash2, PrefixFollower, requestContested, splitOff, type Subtree, type SubtreeStep, type WorkSplitter } from './work-split.js';

// Exhaustive bounded search with dynamic partial-order reduction (Flanagan and Godefroid's DPOR
// with sleep sets). Executions are re-run from the checkpoint taken after setup (see starts.ts),
// each following a prefix of choices and then a default that keeps the last CPU running. The
// prefix is replayed without recomputing its choice points: each step is checked against the
// operation it performed before, and a different one means the scenario is not deterministic, or,
// when a run booted afresh and one started from the checkpoint disagree, that the checkpoint did
// not put back some state the strategy or the scenario keeps outside the machine.
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
   * Sleep sets on top of the reduction, kept sound under the preemption bound: once the bound has
   * left a choice out, a choice sleeps only where an order explored before that begins with it
   * provably costs no more preemptions (see sleep-sets.ts), and a race also asks for the initials
   * of its reversal (requestInitial in races.ts). test/sleep-sets-bounded.test.ts compares them
   * with the unreduced search at bounds 0 to 2, test/sleep-sets.test.ts where no bound binds.
   */
  readonly sleepSets?: boolean;
  readonly stopAtFirstViolation: boolean;
  readonly maxExecutions: number;
  /** Count the distinct Mazurkiewicz traces among the completed executions (costs time). */
  readonly countTraces?: boolean;
  /** Explore only this shard's part of the tree (see ShardPlan). */
  readonly shard?: { readonly index: number; readonly count: number };
  /** Explore only this subtree, handed over by another worker's search (see work-split.ts). */
  readonly subtree?: Subtree;
  /** Give subtrees to idle workers when they ask (with sleep sets, a subtree carries the entries that sleep at its root). */
  readonly splitter?: WorkSplitter;
  readonly onProgress?: (progress: SearchProgress) => void;
}

export function exhaustiveSearch(target: ExploreTarget, options: ExhaustiveOptions, starts = new ExecutionStarts(target, true)): SearchTally {
  const tally = new SearchTally(options.onProgress);
  const path: SearchNode[] = [];
  const index = new AccessIndex();
  const plan = options.shard === undefined ? undefined : new ShardPlan(options.shard);
  const splitter = options.splitter;
  if (options.subtree !== undefined && splitter === undefined) throw new Error('a subtree is searched with the splitter of the search it came from');
  const request: Request = plan !== undefined ? (node, key) => { plan.request(node, key); } : splitter !== undefined ? (node, key) => { requestContested(splitter, options.bounds.preemptions, node, key); } : addAlternative;
  const follower = new PrefixFollower(options.subtree?.prefix ?? []);
  // A subtree's prefix was explored mostly elsewhere: nothing it took sleeps there whatever the costs.
  const sleep = options.reduction && options.sleepSets === true ? { unbitten: options.subtree === undefined } : undefined;
  let divergeAt = 0;
  for (;;) {
    // The cap of a split search is shared: a part runs an execution only once it has claimed it.
    if (splitter !== undefined && !splitter.claimExecution()) break;
    plan?.beginExecution(path[divergeAt], tally.executions === 0);
    const { outcome, pending, racing } = runChecked(starts, options, { path, follower, sleep }, divergeAt, request);
    tally.record(outcome);
    // A step a daemon had pending at the end counts as taken last: an execution that stopped just
    // before an independent step is the same trace as one that took it.
    if (options.countTraces === true && (outcome.kind === 'complete' || outcome.kind === 'violation')) tally.recordTrace(traceFingerprint([...performedSteps(path), ...pending]));
    if (options.reduction) {
      analyzeRaces(path, divergeAt, index, request, options.sleepSets === true);
      analyzePending(path, racing, index, request, options.sleepSets === true);
    }
    if (tally.shouldStop(options.stopAtFirstViolation, options.maxExecutions) || splitter?.stopped() === true) break;
    if (splitter?.claim() === true) giveAway(splitter, path, options.bounds.preemptions, sleep);
    const next = nextBranch(path);
    if (next === undefined) {
      tally.finishedSearch();
      break;
    }
    follower.turnedAt(next);
    divergeAt = next;
  }
  return tally;
}

/** Answers a claimed request for work with the largest subtree left, or hands the claim back. */
function giveAway(splitter: WorkSplitter, path: readonly SearchNode[], preemptions: number, sleep: SleepState | undefined): void {
  const subtree = splitOff(path, preemptions, sleep);
  if (subtree === undefined) {
    splitter.release();
    return;
  }
  // What is handed over is explored elsewhere, where the bound may bite unseen here: from now on
  // this search's choices sleep on costs alone (see SleepState).
  if (sleep !== undefined) sleep.unbitten = false;
  splitter.give(subtree);
}

/** The current path, which of its points a subtree search must take as handed over, and with sleep sets, whether the bound ever bit. */
interface PathState {
  readonly path: SearchNode[];
  readonly follower: PrefixFollower;
  readonly sleep: SleepState | undefined;
}

/**
 * Whether no point of the search so far left a choice out for the preemption bound, and the
 * search handed nothing over (the bound may bite unseen where another part explores): until then,
 * what was explored is what an unbounded search explores, and sleep sets need no costs (see
 * sleep-sets.ts).
 */
interface SleepState {
  unbitten: boolean;
}

/** A node's shard sets when the search is neither sharded nor split (never written: ShardPlan and splitOff write them). */
const NO_KEYS: number[] = [];

/** A node's clock until the race analysis gives it one (never written: it is replaced). */
const NO_CLOCK: readonly number[] = [];

/** A node's runs without sleep sets (never written: only recordRuns writes them). */
const NO_RUNS: RunRecord[] = [];

/** What a new node keeps: alternatives asked for at once without reduction, its own shard sets, its runs for sleep sets. */
interface NodeKind {
  readonly reduction: boolean;
  readonly ownSets: boolean;
  readonly runs: boolean;
}

interface ExecutionEnd {
  readonly outcome: Outcome;
  /** What each CPU would have done next when the execution ended. */
  readonly pending: readonly PerformedStep[];
  /** The same, taken on through steps no other CPU sees (see ExecutionDriver.lookahead): what races. */
  readonly racing: readonly PerformedStep[];
}

/**
 * Runs the next execution. From the checkpoint, a run that does not fit what earlier ones did,
 * or whose outcome a fresh boot does not give (see crossCheck), is the checkpoint's failure
 * (explore() then searches again booting afresh, where a misfit means the scenario itself is not
 * deterministic).
 */
function runChecked(starts: ExecutionStarts, options: ExhaustiveOptions, state: PathState, divergeAt: number, request: Request): ExecutionEnd {
  const start = starts.next();
  let end: ExecutionEnd;
  try {
    end = runOne(start, options, state, divergeAt, request);
  } catch (error) {
    if (!(error instanceof NondeterminismError) || !starts.fromCheckpoint) throw error;
    throw checkpointDiverged(error.where);
  }
  crossCheck(starts, start, end.outcome, (fresh) => runOne(fresh, options, state, divergeAt, request).outcome);
  return end;
}

function runOne(start: Start, options: ExhaustiveOptions, { path, follower, sleep }: PathState, divergeAt: number, request: Request): ExecutionEnd {
  const driver = new ExecutionDriver(start.machine, start.check, options.bounds);
  for (let depth = 0; depth < divergeAt; depth++) replayNode(driver, path[depth], depth);
  const kind = { reduction: options.reduction, ownSets: options.shard !== undefined || options.splitter !== undefined || options.subtree !== undefined, runs: sleep !== undefined };
  let depth = divergeAt;
  let point: ChoicePoint | undefined;
  for (point = driver.nextPoint(); point !== undefined && point.choices.length > 0; point = driver.nextPoint()) {
    let node = path[depth];
    if (node === undefined) {
      const parent = path[depth - 1];
      if (sleep !== undefined && point.capped) sleep.unbitten = false;
      const sleepSet = parent !== undefined && sleep !== undefined ? childSleep(parent, point, sleep.unbitten) : NO_SLEEP;
      const handedOver = follower.stepAt(depth);
      const created = handedOver === undefined ? newNode(point, sleepSet, parent, request, kind) : prefixNode(point, handedOver, parent, depth);
      if (created === undefined) {
        if (sleep !== undefined) recordRuns(path, divergeAt, point);
        return { outcome: driver.outcome(true), pending: [], racing: [] };
      }
      node = created;
      path.push(node);
    } else if (!sameKeys(node.point.keys, point.keys)) {
      throw notDeterministic(depth, node.point.keys, point.keys);
    }
    node.footprints[node.chosen] = driver.perform(point, node.chosen);
    node.op = driver.lastOpCode;
    node.facts = driver.lastFacts;
    node.inIrq = ranInIrq(node.facts);
    depth++;
  }
  if (sleep !== undefined) {
    if (point?.capped === true) sleep.unbitten = false;
    recordRuns(path, divergeAt, point);
  }
  const outcome = driver.outcome(false, point);
  const pending = options.reduction || options.countTraces === true ? driver.pendingSteps() : [];
  const racing = options.reduction ? driver.lookahead(pending) : [];
  return { outcome: driver.confirmLivelock(outcome), pending, racing };
}

function* performedSteps(path: readonly SearchNode[]): Generator<PerformedStep> {
  for (const node of path) {
    const key = node.point.keys[node.chosen];
    const footprint = node.footprints[node.chosen];
    if (key !== undefined && footprint !== undefined) yield { key, footprint };
  }
}

/** Replays the choice taken at `node` in an earlier execution. */
function replayNode(driver: ExecutionDriver, node: SearchNode | undefined, depth: number): void {
  const choice = node?.point.choices[node.chosen];
  const footprint = node?.footprints[node.chosen];
  if (node === undefined || choice === undefined || footprint === undefined) throw new Error(`no choice recorded at step ${depth}`);
  if (!driver.settle() || !driver.replay(choice, node.point.costs[node.chosen] ?? 0, footprint, node.op, node.facts) || driver.machine.fault?.kind === 'replay-diverged') {
    throw notDeterministicAt(`at step ${depth} after setup the run no longer fits the choices made before`);
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
  return notDeterministicAt(`at step ${depth} after setup the choices were [${before.join(' ')}], now [${now.join(' ')}]`);
}

function notDeterministicAt(where: string): NondeterminismError {
  return new NondeterminismError(`${NOT_DETERMINISTIC}: ${where}`, where);
}

/**
 * A node for a new point: the default choice is the last CPU again, else the first awake choice.
 * Interrupts, IPIs and preemptions (every choice, without reduction) are asked for at once.
 */
function newNode(point: ChoicePoint, sleep: SleepSet, parent: SearchNode | undefined, request: Request, { reduction, ownSets, runs }: NodeKind): SearchNode | undefined {
  const chosen = defaultChoice(point, sleep.asleep);
  if (chosen === undefined) return undefined;
  const firstKey = point.keys[chosen] ?? -1;
  // A literal without a spread: V8 builds one that spreads on a slow path, and the search makes a node per step.
  const node: SearchNode = {
    point, chosen, done: [], backtrack: [firstKey], sleep, runs: runs ? byChoice(point) : NO_RUNS, clock: NO_CLOCK, epoch: 0, ownedElsewhere: ownSets ? [] : NO_KEYS, shared: ownSets ? [] : NO_KEYS, firstKey,
    // Only a sharded or split search names points by their prefix (and the hashes, past 2^30, are numbers V8 boxes).
    prefixHash: ownSets ? prefixHash(parent) : 0, prefixHash2: ownSets ? prefixHash2(parent) : 0, detours: ownSets ? detoursTo(parent) : 0, contested: false,
    footprints: byChoice(point), op: -2, facts: 0, inIrq: false,
  };
  for (let index = 0; index < point.keys.length; index++) {
    const key = point.keys[index] ?? -1;
    if (sleep.asleep.has(key) || key === firstKey) continue;
    const kind = point.choices[index]?.kind;
    // A stale load is a choice of value, not of order: no race asks for it, so it is asked for here.
    if (!reduction || kind === 'irq' || kind === 'ipi' || kind === 'preempt' || kind === 'stale') request(node, key);
  }
  return node;
}

/**
 * An array with a place per choice of the point. Sized at once: an empty array written at an
 * index grows a backing store of 17 or more places, and the search makes nodes per step.
 */
function byChoice<T>(point: ChoicePoint): (T | undefined)[] {
  return new Array<T | undefined>(point.keys.length);
}

/** The index of the choice a new point takes first, or undefined when every choice is asleep. */
function defaultChoice(point: ChoicePoint, asleep: ReadonlySet<number>): number | undefined {
  let chosen = -1;
  let firstStep = -1;
  let firstAwake = -1;
  for (let index = 0; index < point.keys.length; index++) {
    if (asleep.has(point.keys[index] ?? -1)) continue;
    if (firstAwake < 0) firstAwake = index;
    const choice = point.choices[index];
    // Under 'tso' and 'relaxed' a store's flush is the free way on after it (see Execution's lastBuffered).
    if (choice?.kind === 'flush' && chosen < 0 && point.costs[index] === 0 && !point.freeSwitch) chosen = index;
    if (choice?.kind !== 'step') continue;
    if (firstStep < 0) firstStep = index;
    // Staying on the CPU that stepped last costs nothing: that is the step whose cost is 0 while a switch would cost 1.
    if (chosen < 0 && point.costs[index] === 0 && !point.freeSwitch) chosen = index;
  }
  if (firstAwake < 0) return undefined;
  if (chosen >= 0) return chosen;
  return firstStep >= 0 ? firstStep : firstAwake;
}

/** Asks for an alternative plainly (the search is not sharded). */
function addAlternative(node: SearchNode, key: number): void {
  addKey(node.backtrack, key);
}

/** A point of a handed-over subtree's prefix: it takes the prefix's choice, and leaves what was handled elsewhere. */
function prefixNode(point: ChoicePoint, step: SubtreeStep, parent: SearchNode | undefined, depth: number): SearchNode {
  const chosen = point.keys.indexOf(step.key);
  if (chosen < 0) throw notDeterministicAt(`at step ${depth} after setup the handed-over subtree takes choice ${step.key}, which is not among [${point.keys.join(' ')}]`);
  return {
    point, chosen, done: [], backtrack: [step.key], sleep: step.sleep === undefined ? NO_SLEEP : takenSleep(step.sleep, step.key), runs: [], clock: NO_CLOCK, epoch: 0, ownedElsewhere: [...step.handled], shared: NO_KEYS, firstKey: step.key,
    prefixHash: prefixHash(parent), prefixHash2: prefixHash2(parent), detours: 0, contested: true, footprints: [], op: -2, facts: 0, inIrq: false,
  };
}

/** The hashes that name a point by the choices before it: its parent's, mixed with the choice taken there. */
function prefixHash(parent: SearchNode | undefined): number {
  return parent === undefined ? HASH_SEED : mixHash(parent.prefixHash, parent.point.keys[parent.chosen] ?? -1);
}

/** How many of the choices before a point were not the first taken at theirs. */
function detoursTo(parent: SearchNode | undefined): number {
  return parent === undefined ? 0 : parent.detours + (parent.point.keys[parent.chosen] === parent.firstKey ? 0 : 1);
}

function prefixHash2(parent: SearchNode | undefined): number {
  return parent === undefined ? HASH2_SEED : mixHash2(parent.prefixHash2, parent.point.keys[parent.chosen] ?? -1);
}

/** The deepest point with a choice still to explore; the path is cut back to it. */
function nextBranch(path: SearchNode[]): number | undefined {
  while (path.length > 0) {
    const depth = path.length - 1;
    const node = path[depth];
    if (node === undefined) break;
    const taken = node.point.keys[node.chosen] ?? -1;
    const next = nextChoice(node, taken);
    if (next >= 0) {
      // Only a point the path keeps records what it explored: most points have nothing left and are dropped.
      addKey(node.done, taken);
      node.chosen = next;
      return depth;
    }
    path.pop();
  }
  return undefined;
}

/** The first choice at `node` asked for and neither taken (`taken` just was), asleep nor explored elsewhere; -1 when none is. */
function nextChoice(node: SearchNode, taken: number): number {
  const keys = node.point.keys;
  const backtrack = node.backtrack;
  // Most points were asked for nothing but the choice first taken there.
  if (backtrack.length === 1 && backtrack[0] === taken) return -1;
  for (let index = 0; index < keys.length; index++) {
    const key = keys[index] ?? -1;
    if (key !== taken && backtrack.includes(key) && !node.done.includes(key) && !node.sleep.asleep.has(key) && !node.ownedElsewhere.includes(key)) return index;
  }
  return -1;
}
