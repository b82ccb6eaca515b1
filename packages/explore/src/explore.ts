import type { MemoryModelName } from '@kmodsim/cpu';
import { exhaustiveSearch } from './exhaustive.js';
import type { Bounds, Violation } from './execution.js';
import { samplingSearch } from './random-search.js';
import { stateSearch } from './state-search.js';
import { CheckpointError } from './search-errors.js';
import { ExecutionStarts, type BootedAfresh } from './starts.js';
import type { ExploreTarget } from './target.js';
import type { SearchCounts, SearchProgress, SearchTally } from './tally.js';
import type { Subtree, WorkSplitter } from './work-split.js';

export type SearchMode = 'exhaustive' | 'random' | 'pct';

export interface ExploreOptions {
  readonly mode?: SearchMode;
  /** Preemption bound: CPU switches away from a CPU that could go on, and task preemptions. */
  readonly preemptions?: number;
  /** Interrupts from interrupt sources per execution. */
  readonly irqs?: number;
  /** Steps per execution after setup before it counts as a livelock. */
  readonly maxSteps?: number;
  /** Partial-order reduction for exhaustive search (on by default). */
  readonly reduction?: boolean;
  /** Sleep sets on top of the reduction (off by default): fewer executions, the same endings within the bounds (see ExhaustiveOptions.sleepSets). */
  readonly sleepSets?: boolean;
  /**
   * Exhaustive search by states (off by default): every interleaving within the bounds, each
   * execution stopping at a state an earlier one reached with no more budget spent, instead of
   * partial-order reduction (see state-search.ts). Not with shards, subtrees or trace counting.
   */
  readonly stateCaching?: boolean;
  /** Exhaustive search: count the distinct Mazurkiewicz traces among the completed executions. */
  readonly countTraces?: boolean;
  /** Exhaustive search raises the preemption bound from 0, so the violation found first needs the fewest. */
  readonly iterative?: boolean;
  readonly stopAtFirstViolation?: boolean;
  /** Random and PCT: the seed, how many executions, and PCT's bug depth. */
  readonly seed?: number;
  readonly executions?: number;
  readonly depth?: number;
  /** Exhaustive: a cap on executions, all passes of an iterative search together (the search then reports it was not exhausted). */
  readonly maxExecutions?: number;
  /** Run only this share of the search: shard `index` of `count` (from 0). */
  readonly shard?: { readonly index: number; readonly count: number };
  /**
   * Exhaustive search on several workers: explore only this subtree, handed over by another
   * worker's search (its pass's bound replaces the preemption bound and iteration).
   */
  readonly subtree?: Subtree;
  /** Exhaustive search on several workers: give subtrees to idle workers when they ask. */
  readonly splitter?: WorkSplitter;
  readonly onProgress?: (progress: SearchProgress) => void;
  /**
   * Start each execution from a checkpoint taken after the scenario's setup instead of booting it
   * again (on by default; see starts.ts). Off, every execution boots afresh: for a strategy or
   * scenario that keeps state the machine cannot put back.
   */
  readonly checkpoints?: boolean;
}

export interface ExploreReport {
  readonly scenario: string;
  readonly cpuCount: number;
  /** The machine's memory model the search ran under. */
  readonly memoryModel: MemoryModelName;
  readonly mode: SearchMode;
  readonly bounds: Bounds;
  readonly counts: SearchCounts;
  /** Shortest first: fewest preemptions, then fewest steps. */
  readonly violations: readonly Violation[];
  /**
   * Why every execution booted the scenario afresh instead of starting from the checkpoint after
   * setup, when they did: checkpoints off, a setup the machine cannot snapshot, or state the
   * strategy or scenario keeps that the checkpoint did not put back (the search was then run again).
   */
  readonly bootedAfresh?: BootedAfresh;
  /** A part of a split search: its distinct final states, for mergeReports to count once across parts. */
  readonly outcomes?: readonly string[];
}

/** The executions of a subtree handed over that are all checked against a fresh boot. */
const SUBTREE_SAMPLE = 2;

export const EXPLORE_DEFAULTS = { preemptions: 2, irqs: 1, maxSteps: 20_000, executions: 1000, depth: 3, maxExecutions: 5_000_000 } as const;

/** Searches a scenario's executions for violations: every fault the machine detects and the scenario's own check. */
export function explore(target: ExploreTarget, options: ExploreOptions = {}): ExploreReport {
  const mode = options.mode ?? 'exhaustive';
  const bounds: Bounds = {
    preemptions: options.preemptions ?? EXPLORE_DEFAULTS.preemptions,
    irqs: options.irqs ?? EXPLORE_DEFAULTS.irqs,
    steps: options.maxSteps ?? EXPLORE_DEFAULTS.maxSteps,
  };
  // A subtree handed over checks only a few of its first executions against fresh boots (then each power of two, and every 256th).
  const byStates = options.stateCaching === true && (options.mode ?? 'exhaustive') === 'exhaustive';
  if (byStates && (options.shard !== undefined || options.subtree !== undefined || options.splitter !== undefined || options.countTraces === true)) {
    throw new Error('a search by states is not split into shards or subtrees, and counts no traces');
  }
  let starts = new ExecutionStarts(target, options.checkpoints ?? true, options.subtree === undefined ? undefined : SUBTREE_SAMPLE, byStates);
  let tallies: SearchTally[];
  let divergence: BootedAfresh | undefined;
  try {
    tallies = search(target, options, bounds, starts);
  } catch (error) {
    // State the checkpoint cannot put back: the same search, booting every execution afresh. Not
    // a part of a split search, which cannot start again alone (what it handed over came from
    // runs now known to be wrong): its caller searches the whole again, unsplit and afresh.
    if (!(error instanceof CheckpointError) || options.splitter !== undefined) throw error;
    divergence = { reason: 'diverged', why: error.message };
    starts = new ExecutionStarts(target, false, undefined, byStates);
    tallies = search(target, options, bounds, starts);
  }
  const bootedAfresh = divergence ?? starts.withoutCheckpoint;
  return {
    scenario: target.scenario.name,
    cpuCount: target.cpuCount,
    memoryModel: target.memoryModel ?? 'sc',
    mode,
    bounds,
    counts: sumCounts(tallies),
    violations: shortestFirst(tallies.flatMap((tally) => tally.violations)),
    ...(bootedAfresh === undefined ? {} : { bootedAfresh }),
    // The parts of a split search each see some final states: mergeReports counts their union.
    ...(options.splitter === undefined ? {} : { outcomes: [...new Set(tallies.flatMap((tally) => tally.outcomeKeys()))] }),
  };
}

function search(target: ExploreTarget, options: ExploreOptions, bounds: Bounds, starts: ExecutionStarts): SearchTally[] {
  const stopAtFirstViolation = options.stopAtFirstViolation ?? true;
  const progress = options.onProgress === undefined ? {} : { onProgress: options.onProgress };
  const shard = options.shard === undefined ? {} : { shard: options.shard };
  const split = { ...(options.subtree === undefined ? {} : { subtree: options.subtree }), ...(options.splitter === undefined ? {} : { splitter: options.splitter }) };
  const mode = options.mode ?? 'exhaustive';
  if (mode !== 'exhaustive' && (options.subtree !== undefined || options.splitter !== undefined)) throw new Error('only an exhaustive search can be split between workers');
  if (mode !== 'exhaustive') {
    const sampling = { mode, bounds, seed: options.seed ?? 1, executions: options.executions ?? EXPLORE_DEFAULTS.executions, depth: options.depth ?? EXPLORE_DEFAULTS.depth, stopAtFirstViolation };
    return [samplingSearch(target, { ...sampling, ...shard, ...progress }, starts)];
  }
  const tallies: SearchTally[] = [];
  const iterative = options.subtree === undefined && (options.iterative ?? stopAtFirstViolation);
  const highest = options.subtree?.preemptions ?? bounds.preemptions;
  // The cap is on the whole search: the passes at lower bounds spend from it too.
  const cap = options.maxExecutions ?? EXPLORE_DEFAULTS.maxExecutions;
  let spent = 0;
  let byStates = options.stateCaching === true;
  for (let bound = iterative ? 0 : highest; bound <= highest; bound++) {
    if (byStates) {
      const progressed = options.onProgress === undefined ? {} : { onProgress: passProgress(options.onProgress, spent) };
      const { tally, handedOver } = stateSearch({ bounds: { ...bounds, preemptions: bound }, stopAtFirstViolation, maxExecutions: cap - spent, ...progressed }, starts);
      tallies.push(tally);
      spent += tally.executions;
      if ((stopAtFirstViolation && tally.violations.length > 0) || spent >= cap) break;
      // Where time decides what happens, or a cycle of states closes, this pass and the rest are searched by partial-order reduction.
      byStates = !handedOver;
      if (!handedOver) continue;
      starts.dropLogs();
    }
    const passProgressOption = options.onProgress === undefined ? {} : { onProgress: passProgress(options.onProgress, spent) };
    const tally = exhaustiveSearch(target, {
      bounds: { ...bounds, preemptions: bound },
      reduction: options.reduction ?? true,
      sleepSets: options.sleepSets ?? false,
      stopAtFirstViolation,
      maxExecutions: cap - spent,
      countTraces: options.countTraces ?? false,
      ...shard,
      ...split,
      // Progress counts the whole search, every pass so far included: it never goes back.
      ...passProgressOption,
    }, starts);
    tallies.push(tally);
    spent += tally.executions;
    if ((stopAtFirstViolation && tally.violations.length > 0) || !tally.exhausted || options.splitter?.stopped() === true) break;
  }
  return tallies;
}

function passProgress(onProgress: (progress: SearchProgress) => void, spent: number): (progress: SearchProgress) => void {
  return (progress) => { onProgress({ ...progress, executions: spent + progress.executions }); };
}

function sumCounts(tallies: readonly SearchTally[]): SearchCounts {
  const counts = tallies.map((tally) => tally.counts());
  const last = counts[counts.length - 1];
  return {
    executions: counts.reduce((sum, count) => sum + count.executions, 0),
    completed: counts.reduce((sum, count) => sum + count.completed, 0),
    pruned: counts.reduce((sum, count) => sum + count.pruned, 0),
    cut: counts.reduce((sum, count) => sum + count.cut, 0),
    distinctOutcomes: Math.max(0, ...counts.map((count) => count.distinctOutcomes)),
    exhausted: last?.exhausted ?? false,
    ...(last?.distinctTraces === undefined ? {} : { distinctTraces: last.distinctTraces }),
  };
}

export function shortestFirst(violations: readonly Violation[]): Violation[] {
  return [...violations].sort((a, b) => a.preemptions - b.preemptions || a.irqs - b.irqs || a.steps - b.steps);
}

/** Combines the reports of the shards of one search. */
export function mergeReports(reports: readonly ExploreReport[]): ExploreReport {
  const first = reports[0];
  if (first === undefined) throw new Error('no reports to merge');
  const bootedAfresh = reports.find((report) => report.bootedAfresh !== undefined)?.bootedAfresh;
  // Parts of a split search say which final states they saw; shards say only how many.
  const outcomes = reports.every((report) => report.outcomes !== undefined) ? [...new Set(reports.flatMap((report) => report.outcomes ?? []))] : undefined;
  const { outcomes: _firstOutcomes, bootedAfresh: _firstBootedAfresh, ...shared } = first;
  return {
    ...shared,
    counts: {
      executions: reports.reduce((sum, report) => sum + report.counts.executions, 0),
      completed: reports.reduce((sum, report) => sum + report.counts.completed, 0),
      pruned: reports.reduce((sum, report) => sum + report.counts.pruned, 0),
      cut: reports.reduce((sum, report) => sum + report.counts.cut, 0),
      distinctOutcomes: outcomes?.length ?? Math.max(...reports.map((report) => report.counts.distinctOutcomes)),
      exhausted: reports.every((report) => report.counts.exhausted),
    },
    violations: shortestFirst(reports.flatMap((report) => report.violations)),
    ...(bootedAfresh === undefined ? {} : { bootedAfresh }),
    ...(outcomes === undefined ? {} : { outcomes }),
  };
}
