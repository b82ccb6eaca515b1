import type { CostReport, StrategyCost } from '../cost/cost-report.js';
import type { Matrix, MatrixCell, StrategySummary } from './report-data.js';

/** The machine sizes the summary prices get+put at: one CPU, a large server, the largest priced. */
export const SUMMARY_CPUS = [1, 64, 1024] as const;

/**
 * A line per strategy: what the matrix found of its own (a scenario's own oops, such as a
 * forced unload's, is every design's and counts for none), and the prices that make the
 * seed's argument. `declaredWaits` is what each strategy says of rmmod --wait, used where it was
 * not priced.
 */
export function summarize(matrix: Matrix, cost: CostReport | null, declaredWaits: ReadonlyMap<string, boolean>): StrategySummary[] {
  return matrix.strategies.map((strategy) => {
    const cells = matrix.cells.filter((cell) => cell.strategy === strategy);
    const findings = cells.filter(isOwnFinding).map((cell) => `${cell.counterexample?.kind ?? ''} in ${cell.scenario}`);
    const undecided = cells.some((cell) => cell.verdict === 'error' || cell.verdict === 'incomplete' || cell.verdict === 'missed');
    const priced = cost?.strategies.find((entry) => entry.strategy === strategy);
    return {
      strategy,
      soundness: findings.length > 0 ? 'unsound' : undecided ? 'unknown' : 'sound',
      findings,
      ...pricesOf(priced, declaredWaits.get(strategy)),
    };
  });
}

/** A violation the strategy itself is to blame for: any found, but the scenario's own oops where it was expected. */
function isOwnFinding(cell: MatrixCell): boolean {
  return cell.counterexample !== null && !(cell.verdict === 'expected' && cell.expectation === 'scenario-fault');
}

type Prices = Pick<StrategySummary, 'waitsForUsers' | 'stopsMachine' | 'getPutNs' | 'memoryBytesAt1024' | 'costError'>;

function pricesOf(priced: StrategyCost | undefined, declaredWaits: boolean | undefined): Prices {
  const unpriced = SUMMARY_CPUS.map((cpus) => ({ cpus, ns: null }));
  if (priced === undefined) return { waitsForUsers: declaredWaits ?? null, stopsMachine: null, getPutNs: unpriced, memoryBytesAt1024: null, costError: null };
  if (!priced.ok) return { waitsForUsers: declaredWaits ?? null, stopsMachine: null, getPutNs: unpriced, memoryBytesAt1024: null, costError: priced.error };
  const getPut = priced.series.find((series) => series.workload === 'get-put')?.points ?? [];
  return {
    waitsForUsers: priced.waitsForUsers,
    stopsMachine: priced.stopsMachine,
    getPutNs: SUMMARY_CPUS.map((cpus) => ({ cpus, ns: getPut.find((point) => point.cpus === cpus)?.ns ?? null })),
    memoryBytesAt1024: priced.memory.find((point) => point.cpus === 1024)?.bytesPerModule ?? null,
    costError: null,
  };
}
