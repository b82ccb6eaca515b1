import type { CompareIo } from '../io.js';
import type { CheckOptions } from '../check/options.js';
import { judgePairs, targetOf, type Pair, type PairResult } from '../check/pairs.js';
import { isFailure, oneLine, verdictDetail } from '../check/verdict.js';
import { counterexampleOf } from './counterexample.js';
import type { Matrix, MatrixCell } from './report-data.js';

/** Every pair searched as check searches it, each verdict with its counterexample replayed. */
export async function searchMatrix(pairs: readonly Pair[], options: CheckOptions, io: CompareIo): Promise<Matrix> {
  const cells: MatrixCell[] = [];
  const ids = new Set<string>();
  for await (const result of judgePairs(pairs, options, io)) cells.push(cellOf(result, options, anchorOf(result.pair, ids)));
  return {
    strategies: [...new Set(pairs.map((pair) => pair.strategy.name))],
    scenarios: [...new Set(pairs.map((pair) => pair.scenario.name))],
    cells,
    asDeclared: cells.every((cell) => !cell.surprise),
    memory: options.memory,
  };
}

/** A counterexample's anchor that says whose it is (`cx-percpu-stop-machine--module-get-during-wait`), unique among `taken`. */
function anchorOf(pair: Pair, taken: Set<string>): string {
  const base = `cx-${pair.strategy.name}--${pair.scenario.name}`.replace(/[^\w-]+/g, '_');
  let id = base;
  for (let suffix = 2; taken.has(id); suffix++) id = `${base}-${suffix}`;
  taken.add(id);
  return id;
}

/** A pair's result as the matrix shows it; `id` names its counterexample, if it has one. */
export function cellOf(result: PairResult, options: CheckOptions, id: string): MatrixCell {
  const { strategy, scenario } = result.pair;
  const none = { strategy: strategy.name, scenario: scenario.name, expectation: null, executions: 0, searchMs: null, mode: null, bounds: null, counterexample: null };
  switch (result.kind) {
    case 'n/a':
      return { ...none, verdict: 'n/a', surprise: false, detail: result.reason };
    case 'error':
      return { ...none, verdict: 'error', surprise: true, executions: result.executions, detail: oneLine(result.reason) };
    case 'verdict': {
      const { verdict } = result;
      const { report, violation } = verdict;
      return {
        ...none,
        verdict: verdict.verdict,
        expectation: verdict.expectation.kind,
        surprise: isFailure(verdict),
        executions: report.counts.executions,
        searchMs: result.searchMs ?? null,
        mode: report.mode,
        bounds: { preemptions: report.bounds.preemptions, irqs: report.bounds.irqs },
        detail: verdictDetail(verdict),
        counterexample: violation === undefined ? null : counterexampleOf(id, targetOf(options, strategy, scenario), violation, verdict.replay ?? ''),
      };
    }
  }
}
