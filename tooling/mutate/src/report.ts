import type { CampaignResult, MutantResult } from './campaign.js';
import { equivalenceOf, type Equivalents } from './equivalents.js';

// The campaign as a person reads it (a table and a score) and as a script does (JSON lines).
// The score is killed / (mutants run - equivalent survivors): a mutant recorded as equivalent
// counts neither for nor against the suite, since no scenario could ever kill it.


export interface Score {
  readonly total: number;
  readonly run: number;
  readonly killed: number;
  readonly survived: number;
  readonly timeouts: number;
  readonly equivalent: number;
  readonly notRun: number;
  /** killed / (run - equivalent). */
  readonly score: number;
  /** Mutants recorded as equivalent that a scenario killed: the record is wrong. */
  readonly killedEquivalents: readonly string[];
  /** Equivalence records that name no mutant of this run (stale after an edit of the file). */
  readonly staleEquivalents: readonly string[];
}

export function isEquivalent(result: MutantResult, equivalents: Equivalents): boolean {
  return result.status !== 'killed' && result.status !== 'not-run' && equivalenceOf(equivalents, result.mutant) !== undefined;
}

/**
 * `everyMutant`: the campaign generated every mutant of the files it touched (no --mutant or
 * --limit), so a record naming none of them is stale.
 */
export function score(campaign: CampaignResult, equivalents: Equivalents, everyMutant = true): Score {
  const results = campaign.results;
  const run = results.filter((result) => result.status !== 'not-run');
  const killed = run.filter((result) => result.status === 'killed').length;
  const equivalent = run.filter((result) => isEquivalent(result, equivalents)).length;
  const covered = everyMutant && results.length > 0 && results.every((result) => result.status !== 'not-run');
  return {
    total: results.length,
    run: run.length,
    killed,
    survived: run.filter((result) => result.status === 'survived' && !isEquivalent(result, equivalents)).length,
    timeouts: run.filter((result) => result.status === 'timeout' && !isEquivalent(result, equivalents)).length,
    equivalent,
    notRun: results.length - run.length,
    score: run.length - equivalent === 0 ? 1 : killed / (run.length - equivalent),
    killedEquivalents: run.filter((result) => result.status === 'killed' && equivalenceOf(equivalents, result.mutant) !== undefined).map((result) => result.mutant.id),
    staleEquivalents: staleRecords(results, equivalents, covered),
  };
}

/**
 * Records written for a mutant that is not at their id any more: another mutant is there now
 * (lines moved), or, in a whole campaign, none is. Only a whole campaign can tell the second: a
 * partial one did not generate every mutant.
 */
function staleRecords(results: readonly MutantResult[], equivalents: Equivalents, covered: boolean): string[] {
  const byId = new Map(results.map((result) => [result.mutant.id, result.mutant]));
  return Object.entries(equivalents).filter(([id, record]) => {
    const mutant = byId.get(id);
    if (mutant !== undefined) return mutant.description !== record.mutant;
    return covered && results.some((result) => result.mutant.file === id.split(':')[0]);
  }).map(([id]) => id);
}

function statusText(result: MutantResult, equivalents: Equivalents): string {
  if (isEquivalent(result, equivalents)) return 'EQUIVALENT';
  return result.status === 'not-run' ? 'NOT RUN' : result.status.toUpperCase();
}

function byText(result: MutantResult, equivalents: Equivalents): string {
  if (result.killedBy !== undefined) return `${result.killedBy.scenario} (${result.killedBy.strategy}: ${result.killedBy.verdict}, was ${result.killedBy.original})`;
  if (isEquivalent(result, equivalents)) return equivalenceOf(equivalents, result.mutant)?.reason ?? '';
  return result.status === 'not-run' ? '' : `${result.pairsRun ?? 0} pairs, ${result.executions ?? 0} executions`;
}

export function formatTable(campaign: CampaignResult, equivalents: Equivalents): string {
  const rows = campaign.results.map((result) => ({ id: result.mutant.id, status: statusText(result, equivalents), by: byText(result, equivalents), what: result.mutant.description }));
  const width = Math.max(2, ...rows.map((row) => row.id.length)) + 2;
  const lines = [`${'MUTANT'.padEnd(width)}${'STATUS'.padEnd(12)}KILLED BY / WHY\n`];
  for (const row of rows) lines.push(`${row.id.padEnd(width)}${row.status.padEnd(12)}${row.by}\n${''.padEnd(width + 12)}${row.what}\n`);
  return lines.join('');
}

export function formatSummary(campaign: CampaignResult, result: Score): string {
  const lines = [
    `suite.mutation: ${result.killed} killed of ${result.run - result.equivalent} non-equivalent = ${result.score.toFixed(3)} (goal 0.95)`,
    `${result.total} mutants: ${result.killed} killed, ${result.survived} survived, ${result.timeouts} timed out, ${result.equivalent} equivalent, ${result.notRun} not run; ${campaign.seconds.toFixed(0)} s`,
  ];
  if (result.killedEquivalents.length > 0) lines.push(`recorded as equivalent but killed (fix equivalent.json): ${result.killedEquivalents.join(', ')}`);
  if (result.staleEquivalents.length > 0) lines.push(`equivalence records naming no mutant, or another one now (stale): ${result.staleEquivalents.join(', ')}`);
  return `${lines.join('\n')}\n`;
}

export function jsonLines(campaign: CampaignResult, equivalents: Equivalents, result: Score): string {
  const lines = campaign.results.map((entry) => JSON.stringify({
    id: entry.mutant.id,
    description: entry.mutant.description,
    strategies: entry.strategies,
    status: isEquivalent(entry, equivalents) ? 'equivalent' : entry.status,
    killedBy: entry.killedBy ?? null,
    equivalentBecause: isEquivalent(entry, equivalents) ? (equivalenceOf(equivalents, entry.mutant)?.reason ?? null) : null,
    pairsRun: entry.pairsRun ?? 0,
    executions: entry.executions ?? 0,
    seconds: entry.seconds ?? 0,
  }));
  lines.push(JSON.stringify({ summary: true, ...result, seconds: campaign.seconds }));
  return `${lines.join('\n')}\n`;
}
