import { exhaustiveSearch } from './exhaustive.js';
import type { Bounds, Violation } from './execution.js';
import { samplingSearch } from './random-search.js';
import type { ExploreTarget } from './target.js';
import type { SearchCounts, SearchProgress, SearchTally } from './tally.js';

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
  /** Sleep sets on top of the reduction (off by default: under a preemption bound they can hide violations). */
  readonly sleepSets?: boolean;
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
  readonly onProgress?: (progress: SearchProgress) => void;
}

export interface ExploreReport {
  readonly scenario: string;
  readonly cpuCount: number;
  readonly mode: SearchMode;
  readonly bounds: Bounds;
  readonly counts: SearchCounts;
  /** Shortest first: fewest preemptions, then fewest steps. */
  readonly violations: readonly Violation[];
}

export const EXPLORE_DEFAULTS = { preemptions: 2, irqs: 1, maxSteps: 20_000, executions: 1000, depth: 3, maxExecutions: 5_000_000 } as const;

/** Searches a scenario's executions for violations: every fault the machine detects and the scenario's own check. */
export function explore(target: ExploreTarget, options: ExploreOptions = {}): ExploreReport {
  const mode = options.mode ?? 'exhaustive';
  const bounds: Bounds = {
    preemptions: options.preemptions ?? EXPLORE_DEFAULTS.preemptions,
    irqs: options.irqs ?? EXPLORE_DEFAULTS.irqs,
    steps: options.maxSteps ?? EXPLORE_DEFAULTS.maxSteps,
  };
  const stopAtFirstViolation = options.stopAtFirstViolation ?? true;
  const tallies: SearchTally[] = [];
  if (mode === 'exhaustive') {
    const iterative = options.iterative ?? stopAtFirstViolation;
    // The cap is on the whole search: the passes at lower bounds spend from it too.
    const cap = options.maxExecutions ?? EXPLORE_DEFAULTS.maxExecutions;
    let spent = 0;
    for (let bound = iterative ? 0 : bounds.preemptions; bound <= bounds.preemptions; bound++) {
      const tally = exhaustiveSearch(target, {
        bounds: { ...bounds, preemptions: bound },
        reduction: options.reduction ?? true,
        sleepSets: options.sleepSets ?? false,
        stopAtFirstViolation,
        maxExecutions: cap - spent,
        countTraces: options.countTraces ?? false,
        ...(options.shard === undefined ? {} : { shard: options.shard }),
        ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
      });
      tallies.push(tally);
      spent += tally.executions;
      if ((stopAtFirstViolation && tally.violations.length > 0) || !tally.exhausted) break;
    }
  } else {
    tallies.push(samplingSearch(target, {
      mode,
      bounds,
      seed: options.seed ?? 1,
      executions: options.executions ?? EXPLORE_DEFAULTS.executions,
      depth: options.depth ?? EXPLORE_DEFAULTS.depth,
      stopAtFirstViolation,
      ...(options.shard === undefined ? {} : { shard: options.shard }),
      ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
    }));
  }
  return { scenario: target.scenario.name, cpuCount: target.cpuCount, mode, bounds, counts: sumCounts(tallies), violations: shortestFirst(tallies.flatMap((tally) => tally.violations)) };
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
  return {
    ...first,
    counts: {
      executions: reports.reduce((sum, report) => sum + report.counts.executions, 0),
      completed: reports.reduce((sum, report) => sum + report.counts.completed, 0),
      pruned: reports.reduce((sum, report) => sum + report.counts.pruned, 0),
      cut: reports.reduce((sum, report) => sum + report.counts.cut, 0),
      distinctOutcomes: Math.max(...reports.map((report) => report.counts.distinctOutcomes)),
      exhausted: reports.every((report) => report.counts.exhausted),
    },
    violations: shortestFirst(reports.flatMap((report) => report.violations)),
  };
}
