import type { ExploreReport, Violation } from '@kmodsim/explore';
import type { Expectation } from '@kmodsim/scenarios';
import type { MemoryModelName } from '@kmodsim/cpu';

/** What a check of one strategy against one scenario concluded. */
export interface Verdict {
  readonly strategy: string;
  readonly scenario: string;
  /**
   * clean: no violation within the bounds, as expected. expected: the violation the pair is known
   * to show (the scenario's own oops, or one the strategy declares). violation: one nobody
   * declared. missed: a declared one was not found. incomplete: an exhaustive search stopped at
   * the execution cap before it was exhausted, with nothing found: it proves nothing either way.
   */
  readonly verdict: 'clean' | 'violation' | 'expected' | 'missed' | 'incomplete';
  readonly expectation: Expectation;
  readonly report: ExploreReport;
  readonly violation: Violation | undefined;
  readonly replay: string | undefined;
}

export function judge(strategy: string, expectation: Expectation, report: ExploreReport, replayCommand: (schedule: string) => string): Verdict {
  const violation = report.violations[0];
  const replay = violation === undefined ? undefined : replayCommand(violation.schedule);
  const base = { strategy, scenario: report.scenario, expectation, report, violation, replay };
  // A verdict claims the whole space within the bounds was searched; a search cut short by the cap found nothing yet.
  // Random and PCT searches are samples the user asked for: never exhausted, judged on what they found, and say so.
  if (violation === undefined && report.mode === 'exhaustive' && !report.counts.exhausted) return { ...base, verdict: 'incomplete' };
  if (expectation.kind === 'clean') return { ...base, verdict: violation === undefined ? 'clean' : 'violation' };
  const shown = violation !== undefined && expectation.kinds.includes(violation.kind);
  return { ...base, verdict: shown ? 'expected' : violation === undefined ? 'missed' : 'violation' };
}

export function isFailure(verdict: Verdict): boolean {
  return verdict.verdict === 'violation' || verdict.verdict === 'missed' || verdict.verdict === 'incomplete';
}

/** Why an INCOMPLETE verdict is none, and what would give one. */
export function incompleteWhy(report: ExploreReport): string {
  return `stopped at ${report.counts.executions} executions before the search was exhausted: no verdict; raise --max-executions`;
}

/** Column widths of the verdict table, wide enough for every name it will print. */
export interface Columns {
  readonly strategy: number;
  readonly scenario: number;
}

const VERDICT_WIDTH = 10;
const EXECUTIONS_WIDTH = 11;

export function columnsFor(strategies: readonly string[], scenarios: readonly string[]): Columns {
  const widest = (names: readonly string[], heading: string): number => Math.max(heading.length, ...names.map((name) => name.length)) + 2;
  return { strategy: widest(strategies, 'STRATEGY'), scenario: widest(scenarios, 'SCENARIO') };
}

/** One row of the table: the only place its layout is written. */
function row(columns: Columns, strategy: string, scenario: string, verdict: string, executions: string, detail: string): string {
  return `${strategy.padEnd(columns.strategy)}${scenario.padEnd(columns.scenario)}${verdict.padEnd(VERDICT_WIDTH)}${executions.padStart(EXECUTIONS_WIDTH)}  ${detail}\n`;
}

export function verdictHeader(columns: Columns): string {
  return row(columns, 'STRATEGY', 'SCENARIO', 'VERDICT', 'EXECUTIONS', 'DETAIL');
}

export function formatVerdict(verdict: Verdict, columns: Columns): string {
  const line = row(columns, verdict.strategy, verdict.scenario, verdict.verdict.toUpperCase(), String(verdict.report.counts.executions), verdictDetail(verdict));
  return verdict.replay === undefined ? line : `${line}${''.padEnd(columns.strategy)}replay: ${verdict.replay}\n`;
}

/** The table's DETAIL: what the search covered, what it found, and why a verdict is what it is. */
export function verdictDetail(verdict: Verdict): string {
  const { counts, bounds } = verdict.report;
  return verdict.verdict === 'incomplete'
    ? `${incompleteWhy(verdict.report)} (within ${bounds.preemptions} preemptions, ${bounds.irqs} interrupts)`
    : verdict.violation === undefined
    ? `${searched(verdict.report)} within ${bounds.preemptions} preemptions, ${bounds.irqs} interrupts (${counts.pruned} pruned, ${counts.cut} cut by a bound, ${counts.distinctOutcomes} outcomes${counts.distinctTraces === undefined ? '' : `, ${counts.distinctTraces} traces`})${noneEnded(verdict.report)}${missedWhat(verdict)}`
    : `${verdict.violation.kind}: ${oneLine(verdict.violation.message)} (${verdict.violation.preemptions} preemptions, ${verdict.violation.irqs} interrupts, ${verdict.violation.steps} steps)${knownBecause(verdict)}`;
}

/** Why an EXPECTED violation was expected: the strategy's own declaration. */
function knownBecause(verdict: Verdict): string {
  return verdict.verdict === 'expected' && verdict.expectation.kind === 'declared' ? `; known: ${verdict.expectation.why}` : '';
}

/** What a MISSED verdict did not find. */
function missedWhat(verdict: Verdict): string {
  if (verdict.verdict !== 'missed' || verdict.expectation.kind === 'clean') return '';
  return `; expected ${verdict.expectation.kinds.join(' or ')}, found none`;
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
export function formatNotApplicable(strategy: string, scenario: string, reason: string, columns: Columns): string {
  return row(columns, strategy, scenario, 'N/A', '0', reason);
}

/** `memory`: the model of the run, which every line of check --json names. */
export function notApplicableJson(strategy: string, scenario: string, reason: string, memory: MemoryModelName): string {
  return `${JSON.stringify({ strategy, scenario, verdict: 'n/a', reason, memory })}\n`;
}

/** A pair whose search could not run (the strategy faulted during setup, or is not deterministic), or proves nothing (it keeps state outside simulated memory): a failure, with why. */
export function formatSearchError(strategy: string, scenario: string, reason: string, columns: Columns, executions = 0): string {
  return row(columns, strategy, scenario, 'ERROR', String(executions), oneLine(reason));
}

export function searchErrorJson(strategy: string, scenario: string, reason: string, memory: MemoryModelName): string {
  return `${JSON.stringify({ strategy, scenario, verdict: 'error', reason, memory })}\n`;
}

/** A message on one line of the table: a kernel BUG report spans several. */
export function oneLine(text: string): string {
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
    memory: verdict.report.memoryModel,
    bounds: verdict.report.bounds,
    shard,
    counts: verdict.report.counts,
    expectation: verdict.expectation,
    violation: verdict.violation ?? null,
    replay: verdict.replay ?? null,
  })}\n`;
}
