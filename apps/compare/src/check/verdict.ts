import type { ExploreReport, SuiteScenario, Violation } from '@kmodsim/explore';

/** What a check of one strategy against one scenario concluded. */
export interface Verdict {
  readonly strategy: string;
  readonly scenario: string;
  /**
   * clean: no violation within the bounds. violation: one a correct design must not have.
   * expected: the fault the scenario exists to show (forced unload). missed: that fault was not shown.
   */
  readonly verdict: 'clean' | 'violation' | 'expected' | 'missed';
  readonly report: ExploreReport;
  readonly violation: Violation | undefined;
  readonly replay: string | undefined;
}

export function judge(strategy: string, scenario: SuiteScenario, report: ExploreReport, replayCommand: (schedule: string) => string): Verdict {
  const violation = report.violations[0];
  const replay = violation === undefined ? undefined : replayCommand(violation.schedule);
  const base = { strategy, scenario: scenario.name, report, violation, replay };
  if (scenario.expected === 'clean') return { ...base, verdict: violation === undefined ? 'clean' : 'violation' };
  const shown = violation !== undefined && scenario.expected.some((kind) => kind === violation.kind);
  return { ...base, verdict: shown ? 'expected' : violation === undefined ? 'missed' : 'violation' };
}

export function isFailure(verdict: Verdict): boolean {
  return verdict.verdict === 'violation' || verdict.verdict === 'missed';
}

const WIDTHS = { strategy: 22, scenario: 22, verdict: 10, executions: 11 } as const;

export function verdictHeader(): string {
  return `${'STRATEGY'.padEnd(WIDTHS.strategy)}${'SCENARIO'.padEnd(WIDTHS.scenario)}${'VERDICT'.padEnd(WIDTHS.verdict)}${'EXECUTIONS'.padStart(WIDTHS.executions)}  DETAIL\n`;
}

export function formatVerdict(verdict: Verdict): string {
  const { counts, bounds } = verdict.report;
  const detail = verdict.violation === undefined
    ? `${searched(verdict.report)} within ${bounds.preemptions} preemptions, ${bounds.irqs} interrupts (${counts.pruned} pruned, ${counts.cut} cut by a bound, ${counts.distinctOutcomes} outcomes${counts.distinctTraces === undefined ? '' : `, ${counts.distinctTraces} traces`})${noneEnded(verdict.report)}`
    : `${verdict.violation.kind}: ${oneLine(verdict.violation.message)} (${verdict.violation.preemptions} preemptions, ${verdict.violation.irqs} interrupts, ${verdict.violation.steps} steps)`;
  const line = `${verdict.strategy.padEnd(WIDTHS.strategy)}${verdict.scenario.padEnd(WIDTHS.scenario)}${verdict.verdict.toUpperCase().padEnd(WIDTHS.verdict)}${String(counts.executions).padStart(WIDTHS.executions)}  ${detail}\n`;
  return verdict.replay === undefined ? line : `${line}${''.padEnd(WIDTHS.strategy)}replay: ${verdict.replay}\n`;
}

/** A clean verdict where no execution ran to its end checked no ending: say so, and what would. */
function noneEnded(report: ExploreReport): string {
  if (report.counts.executions === 0 || report.counts.completed > 0) return '';
  return '; no execution ran to its end (every one was cut by a bound): raise --preemptions or --irqs';
}

/** How much of the space the search covered: all of it, part of it, or a sample. */
function searched(report: ExploreReport): string {
  if (report.mode !== 'exhaustive') return `${report.counts.executions} ${report.mode} executions (a sample: nothing proved)`;
  return report.counts.exhausted ? 'exhausted' : 'not exhausted (stopped at the execution cap)';
}

/** A pair the scenario cannot judge (it needs a waiting unload the design does not offer): no search, not a failure. */
export function formatNotApplicable(strategy: string, scenario: string, reason: string): string {
  return `${strategy.padEnd(WIDTHS.strategy)}${scenario.padEnd(WIDTHS.scenario)}${'N/A'.padEnd(WIDTHS.verdict)}${'0'.padStart(WIDTHS.executions)}  ${reason}\n`;
}

export function notApplicableJson(strategy: string, scenario: string, reason: string): string {
  return `${JSON.stringify({ strategy, scenario, verdict: 'n/a', reason })}\n`;
}

/** A pair whose search could not run (the strategy faulted during setup, or is not deterministic): a failure, with why. */
export function formatSearchError(strategy: string, scenario: string, reason: string): string {
  return `${strategy.padEnd(WIDTHS.strategy)}${scenario.padEnd(WIDTHS.scenario)}${'ERROR'.padEnd(WIDTHS.verdict)}${'0'.padStart(WIDTHS.executions)}  ${oneLine(reason)}\n`;
}

export function searchErrorJson(strategy: string, scenario: string, reason: string): string {
  return `${JSON.stringify({ strategy, scenario, verdict: 'error', reason })}\n`;
}

/** A message on one line of the table: a kernel BUG report spans several. */
function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, '; ');
}

/** Which part of a search a report covers: shard `index` of `count`, or null for all of it. */
export type ShardOfSearch = { readonly index: number; readonly count: number } | null;

export function verdictJson(verdict: Verdict, shard: ShardOfSearch = null): string {
  return `${JSON.stringify({
    strategy: verdict.strategy,
    scenario: verdict.scenario,
    verdict: verdict.verdict,
    mode: verdict.report.mode,
    cpus: verdict.report.cpuCount,
    bounds: verdict.report.bounds,
    shard,
    counts: verdict.report.counts,
    violation: verdict.violation ?? null,
    replay: verdict.replay ?? null,
  })}\n`;
}
