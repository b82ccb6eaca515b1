import type { RefcountStrategy } from '@kmodsim/refcount';
import { loadStrategy } from './homes.js';
import { runMutant, type MutantOutcome, type PlannedPair } from './run.js';
import { checkPair, type PairOutcome } from './suite.js';

// The work a campaign hands out, as plain data so that a worker thread can take it: a baseline
// pair of an original strategy, or a whole mutant. Strategies travel as module URLs.

export interface StrategyRef {
  readonly strategy: string;
  readonly url: string;
  readonly exportName: string;
}

export type Job =
  | { readonly kind: 'baseline'; readonly ref: StrategyRef; readonly scenario: string }
  | { readonly kind: 'mutant'; readonly refs: readonly StrategyRef[]; readonly pairs: readonly PlannedPair[] };

export type JobResult = PairOutcome | MutantOutcome;

/** Runs a job in this thread. A mutant whose module does not load is killed by loading it. */
export async function runJob(job: Job): Promise<JobResult> {
  if (job.kind === 'baseline') return checkPair(await loadStrategy(job.ref.url, job.ref.exportName), job.scenario);
  const strategies = new Map<string, RefcountStrategy>();
  try {
    for (const ref of job.refs) strategies.set(ref.strategy, await loadStrategy(ref.url, ref.exportName));
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return { status: 'killed', killedBy: { strategy: job.refs[0]?.strategy ?? '', scenario: '(load)', verdict: 'error', original: 'loads', detail }, pairsRun: 0, executions: 0, seconds: 0 };
  }
  return runMutant(strategies, job.pairs);
}
