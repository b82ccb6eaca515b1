import type { RefcountStrategy } from '@kmodsim/refcount';
import { checkPair, type PairOutcome } from './suite.js';

// Running one mutant: its strategies against the suite's scenarios, cheapest first (by what the
// unmutated strategy took), until one verdict differs from the original's. A search that runs
// far past the original's size without showing anything is cut and counts as a timeout.

/** One scenario to check a strategy on, with what the original strategy got there. */
export interface PlannedPair {
  readonly strategy: string;
  readonly scenario: string;
  readonly original: PairOutcome;
}

export type MutantStatus = 'killed' | 'survived' | 'timeout';

export interface MutantOutcome {
  readonly status: MutantStatus;
  /** The pair that killed it, with the mutant's verdict there. */
  readonly killedBy?: { readonly strategy: string; readonly scenario: string; readonly verdict: string; readonly original: string; readonly detail: string };
  readonly pairsRun: number;
  readonly executions: number;
  readonly seconds: number;
}

/** The execution cap for a mutant's search, from the original's: room to grow, not to run away. */
export function executionCap(original: PairOutcome, factor = 4, floor = 20_000): number {
  return Math.max(floor, factor * original.executions);
}

/** Pairs in the order a mutant runs them: the judgeable ones, cheapest first. */
export function planPairs(originals: readonly PlannedPair[]): PlannedPair[] {
  return originals.filter((pair) => pair.original.verdict !== 'n/a').sort((a, b) => a.original.seconds - b.original.seconds);
}

export function runMutant(strategies: ReadonlyMap<string, RefcountStrategy>, pairs: readonly PlannedPair[], now: () => number = performance.now.bind(performance)): MutantOutcome {
  const started = now();
  let executions = 0;
  let timedOut = false;
  let pairsRun = 0;
  for (const pair of pairs) {
    const strategy = strategies.get(pair.strategy);
    if (strategy === undefined) throw new Error(`mutant of ${pair.strategy} not loaded`);
    const outcome = checkPair(strategy, pair.scenario, executionCap(pair.original));
    pairsRun++;
    executions += outcome.executions;
    if (outcome.verdict === 'timeout') {
      timedOut = true;
      continue;
    }
    if (outcome.verdict !== pair.original.verdict) {
      const killedBy = { strategy: pair.strategy, scenario: pair.scenario, verdict: outcome.verdict, original: pair.original.verdict, detail: outcome.detail };
      return { status: 'killed', killedBy, pairsRun, executions, seconds: (now() - started) / 1000 };
    }
  }
  return { status: timedOut ? 'timeout' : 'survived', pairsRun, executions, seconds: (now() - started) / 1000 };
}
