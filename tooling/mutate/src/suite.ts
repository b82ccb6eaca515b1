import { SearchError, explore } from '@kmodsim/explore';
import { scenarioMismatch, suite } from '@kmodsim/scenarios';
import type { RefcountStrategy } from '@kmodsim/refcount';

// The one place this package meets the scenario suite and the explorer: which scenarios there
// are, and what one strategy gets on one of them. When the suite moves to another package, only
// the imports above change. The verdicts are `kmodsim-compare check`'s.

export type PairVerdict = 'clean' | 'violation' | 'expected' | 'missed' | 'n/a' | 'error' | 'timeout';

export interface PairOutcome {
  readonly scenario: string;
  readonly verdict: PairVerdict;
  readonly executions: number;
  readonly seconds: number;
  /** The violation's kind and message, the error, or why the pair cannot be judged. */
  readonly detail: string;
}

/** The suite's scenario names, in its own order. */
export function scenarioNames(): string[] {
  return suite.map((scenario) => scenario.name);
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Exhaustive search of one scenario at its documented bounds, stopping at the first violation.
 * With `maxExecutions`, a search that reaches the cap without a violation is a `timeout`: nothing
 * was shown either way. Any throw is an `error` verdict (the strategy's code broke, or the
 * search found it nondeterministic); a mismatch of the design and the scenario is `n/a`.
 */
export function checkPair(strategy: RefcountStrategy, scenarioName: string, maxExecutions?: number, now: () => number = performance.now.bind(performance)): PairOutcome {
  const scenario = suite.find((entry) => entry.name === scenarioName);
  if (scenario === undefined) throw new Error(`no scenario ${scenarioName} in the suite`);
  const started = now();
  const finish = (verdict: PairVerdict, executions: number, detail: string): PairOutcome => ({ scenario: scenarioName, verdict, executions, seconds: (now() - started) / 1000, detail });
  const mismatch = scenarioMismatch(scenario, strategy);
  if (mismatch !== undefined) return finish('n/a', 0, mismatch);
  try {
    const target = { scenario: scenario.build(strategy), cpuCount: scenario.cpuCount };
    // Sleep sets on, as check searches: the score is the suite's as users run it.
    const report = explore(target, { preemptions: scenario.bounds.preemptions, irqs: scenario.bounds.irqs, sleepSets: true, ...(maxExecutions === undefined ? {} : { maxExecutions }) });
    const violation = report.violations[0];
    const detail = violation === undefined ? '' : `${violation.kind}: ${violation.message.split('\n')[0] ?? ''}`;
    if (violation === undefined && !report.counts.exhausted) return finish('timeout', report.counts.executions, `not exhausted within ${maxExecutions ?? 'the default'} executions`);
    if (scenario.expected === 'clean') return finish(violation === undefined ? 'clean' : 'violation', report.counts.executions, detail);
    const shown = violation !== undefined && scenario.expected.some((kind) => kind === violation.kind);
    return finish(shown ? 'expected' : violation === undefined ? 'missed' : 'violation', report.counts.executions, detail);
  } catch (error) {
    return finish('error', 0, `${error instanceof SearchError ? '' : 'threw: '}${errorMessage(error)}`);
  }
}
