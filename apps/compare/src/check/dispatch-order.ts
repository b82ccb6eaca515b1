import type { CheckOptions } from './options.js';
import { MEASURED_COSTS } from './measured-costs.js';

// With --workers, the order the pairs go to the pool: longest first, so that no long search starts
// last and keeps the whole run waiting on it while the other threads have nothing left but parts
// of it to take (splitting a search costs: explore.parallel, the speed-up of two threads on one
// pair, is about 1.5).
// The estimate is what each pair took when it was last measured (measured-costs.ts): the
// verdicts are printed in the table's order whatever the order the searches ran in, so a figure
// gone stale costs time, never a result. `pnpm bench` says how far the figures have drifted
// (compare.order).

/** A pair as the estimate sees it: the strategy as named on the command line, and the scenario. */
export interface CostedPair {
  readonly spec: string;
  readonly scenario: { readonly name: string };
}

/** [milliseconds, executions] of one search, as measured. */
type Figure = readonly [number, number];

const FIGURES: Readonly<Record<string, Readonly<Record<string, Figure>>>> = MEASURED_COSTS.pairs;

/**
 * A pair's expected search time, in the milliseconds of the measurement: its own figure for a
 * built-in strategy; the median of the scenario's figures for a strategy file (or a strategy not
 * measured); the median of every figure for a scenario with none. An exhaustive search costs
 * its measured time, at most its cap's share of it; a random or pct one, its executions at the
 * measured time per execution. The figures are at each scenario's documented bounds and CPUs under
 * sc: other bounds, CPUs or tso change every pair's cost, and the order is then a guess from them.
 */
export function estimatedMs(pair: CostedPair, options: Pick<CheckOptions, 'mode' | 'executions' | 'maxExecutions'>): number {
  const [ms, executions] = figureOf(pair);
  const perExecution = executions > 0 ? ms / executions : ms;
  if (options.mode !== 'exhaustive') return perExecution * options.executions;
  return Math.min(ms, perExecution * options.maxExecutions);
}

/** The keys of `pairs` (their indexes), longest first by estimate; pairs estimated alike keep their order. */
export function longestFirst(pairs: readonly CostedPair[], options: Pick<CheckOptions, 'mode' | 'executions' | 'maxExecutions'>): number[] {
  const estimates = pairs.map((pair) => estimatedMs(pair, options));
  return pairs.map((_, index) => index).sort((a, b) => (estimates[b] ?? 0) - (estimates[a] ?? 0) || a - b);
}

function figureOf(pair: CostedPair): Figure {
  const scenario = FIGURES[pair.scenario.name];
  const own = scenario?.[pair.spec];
  if (own !== undefined) return own;
  return median(scenario === undefined ? Object.values(FIGURES).flatMap((figures) => Object.values(figures)) : Object.values(scenario));
}

/** The median figure by time (of none, a figure of 1 ms: every such pair then ties). */
function median(figures: readonly Figure[]): Figure {
  const sorted = [...figures].sort((a, b) => a[0] - b[0]);
  return sorted[Math.floor(sorted.length / 2)] ?? [1, 1];
}
