import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { MemoryModelName } from '@kmodsim/cpu';
import { mergeReports, type ExploreReport } from '@kmodsim/explore';
import { findSuiteScenario, type Expectation } from '@kmodsim/scenarios';
import { parseCommandLine } from '@kmodsim/cli';
import { JSON_AND_HELP, OptionError, UsageError, type CompareIo } from '../io.js';
import { columnsFor, judge, type Verdict } from '../check/verdict.js';
import { emptySummary, jsonReporter, tableReporter, tally, tallyError, tallyNotApplicable } from '../check/reporters.js';
import { parseShardLine, type ShardLine } from './shard-report.js';

export const MERGE_USAGE = `Usage: kmodsim-compare merge [--json] FILE...

Joins the shards of searches run apart ('check --json --shard i/n' on several machines or jobs,
each writing its lines to a file) and prints one verdict per strategy and scenario, as check does,
then check's summary line, which names the memory model (on stderr with --json). Every shard of
each search must be there exactly once, and every file be of runs under one memory model.

Exit status: 0 when every verdict is as declared, 1 on any VIOLATION, MISSED, INCOMPLETE or ERROR, 2 for bad input.
`;

type ReportLine = Extract<ShardLine, { kind: 'report' }>;

/** One search: the strategy, scenario, mode, CPUs and bounds its shards share. */
interface SearchGroup {
  readonly strategy: string;
  readonly lines: ReportLine[];
  readonly where: string[];
}

/** `kmodsim-compare merge`: thin, like check; the joining is @kmodsim/explore's mergeReports. */
export function mergeCommand(argv: readonly string[], io: CompareIo): number {
  const parsed = parseCommandLine('kmodsim-compare merge', argv, JSON_AND_HELP);
  if (!parsed.ok) throw new OptionError(parsed.message);
  if (parsed.line.has('help')) {
    io.stdout.write(MERGE_USAGE);
    return 0;
  }
  const json = parsed.line.has('json');
  const files = parsed.line.operands;
  if (files.length === 0) throw new UsageError('no files to merge');
  const { groups, notApplicable, searchErrors } = groupLines(files, io.cwd);
  refuseMixedSettings(groups);
  const memory = runMemory([
    ...[...groups.values()].flatMap((group) => group.lines.map((line, index) => ({ memory: line.report.memoryModel, where: group.where[index] ?? '' }))),
    ...[...notApplicable.values(), ...searchErrors.values()].flatMap((line) => (line.memory === undefined ? [] : [{ memory: line.memory, where: line.where }])),
  ]);
  // Every input is checked before anything is printed: a missing shard leaves no partial table.
  const verdicts = [...groups.values()].map(judgeGroup);
  const others = [...notApplicable.values(), ...searchErrors.values()];
  const columns = columnsFor([...verdicts.map((verdict) => verdict.strategy), ...others.map((line) => line.strategy)], [...verdicts.map((verdict) => verdict.scenario), ...others.map((line) => line.scenario)]);
  // Printed as check prints its verdicts, the summary line included (on stderr with --json).
  const reporter = json ? jsonReporter(io, null, memory) : tableReporter(io, columns);
  const summary = emptySummary(memory);
  for (const line of notApplicable.values()) {
    tallyNotApplicable(summary);
    reporter.notApplicable(line.strategy, line.scenario, line.reason);
  }
  for (const line of searchErrors.values()) {
    tallyError(summary, 0);
    reporter.error(line.strategy, line.scenario, line.reason, 0);
  }
  for (const verdict of verdicts) {
    tally(summary, verdict);
    reporter.verdict(verdict, undefined);
  }
  reporter.end(summary);
  return summary.unexpected > 0 ? 1 : 0;
}

/**
 * The memory model of the searches merged: one, as check runs every pair under one, so that the
 * table and its summary line can say which (a line from before lines said it is sc). Lines of
 * runs under different models are refused, naming a line of each.
 */
function runMemory(lines: readonly { readonly memory: MemoryModelName; readonly where: string }[]): MemoryModelName {
  const first = lines[0];
  const other = lines.find((line) => line.memory !== first?.memory);
  if (first !== undefined && other !== undefined) {
    throw new UsageError(`the files hold searches under different memory models (--memory ${first.memory} in ${first.where} but ${other.memory} in ${other.where}): merge the shards of one run at a time`);
  }
  return first?.memory ?? 'sc';
}

function judgeGroup(group: SearchGroup): Verdict {
  const report = joinShards(group);
  const scenario = findSuiteScenario(report.scenario);
  if (scenario === undefined) throw new UsageError(`${group.where[0] ?? ''}: unknown scenario '${report.scenario}'`);
  // The replay command of the shard whose violation was kept.
  const replays = new Map(group.lines.flatMap((line) => (line.replay === undefined ? [] : line.report.violations.map((violation) => [violation.schedule, line.replay] as const))));
  // Every shard of a search carries what the pair was expected to show; a shard of another suite has no scenario here.
  const expectation: Expectation = group.lines[0]?.expectation ?? { kind: 'clean' };
  return judge(group.strategy, expectation, report, (schedule) => replays.get(schedule) ?? schedule);
}

function groupLines(files: readonly string[], cwd: string) {
  const groups = new Map<string, SearchGroup>();
  const notApplicable = new Map<string, Exclude<ShardLine, { kind: 'report' }> & { readonly where: string }>();
  const searchErrors = new Map<string, Exclude<ShardLine, { kind: 'report' }> & { readonly where: string }>();
  for (const file of files) {
    const lines = readLines(file, cwd);
    // A shard job that wrote nothing (it failed, or wrote elsewhere) must not read as "nothing unexpected".
    if (lines.every((text) => text.trim() === '')) throw new UsageError(`'${file}' holds no verdicts: is it the output of 'check --json'?`);
    lines.forEach((text, index) => {
      if (text.trim() === '') return;
      const where = `${file}:${index + 1}`;
      const line = parseShardLine(text, where);
      if (line.kind !== 'report') {
        (line.kind === 'not-applicable' ? notApplicable : searchErrors).set(`${line.strategy}\u0000${line.scenario}`, { ...line, where });
        return;
      }
      const { report } = line;
      const key = JSON.stringify([line.strategy, report.scenario, report.mode, report.cpuCount, report.memoryModel, report.bounds.preemptions, report.bounds.irqs, report.bounds.steps]);
      const group = groups.get(key) ?? { strategy: line.strategy, lines: [], where: [] };
      group.lines.push(line);
      group.where.push(where);
      groups.set(key, group);
    });
  }
  return { groups, notApplicable, searchErrors };
}

/** The settings a search's shards must share, as check's options name them. */
const SETTINGS: readonly { readonly option: string; readonly of: (report: ExploreReport) => string | number }[] = [
  { option: '--mode', of: (report) => report.mode },
  { option: '--cpus', of: (report) => report.cpuCount },
  { option: '--memory', of: (report) => report.memoryModel },
  { option: '--preemptions', of: (report) => report.bounds.preemptions },
  { option: '--irqs', of: (report) => report.bounds.irqs },
  { option: 'step bound', of: (report) => report.bounds.steps },
];

/** Shards of one pair run with different settings are not one search: say which differ, with their values, not that a shard is missing. */
function refuseMixedSettings(groups: ReadonlyMap<string, SearchGroup>): void {
  const byPair = new Map<string, SearchGroup[]>();
  for (const group of groups.values()) {
    const pair = `${group.strategy}\u0000${group.lines[0]?.report.scenario ?? ''}`;
    byPair.set(pair, [...(byPair.get(pair) ?? []), group]);
  }
  for (const mixed of byPair.values()) {
    const searches = mixed.flatMap((group) => (group.lines[0] === undefined ? [] : [{ report: group.lines[0].report, where: group.where.join(', ') }]));
    const [first] = searches;
    if (searches.length < 2 || first === undefined) continue;
    const differing = SETTINGS.filter((setting) => new Set(searches.map((search) => setting.of(search.report))).size > 1);
    const values = differing.map((setting) => `${setting.option} ${searches.map((search) => `${setting.of(search.report)} in ${search.where}`).join(' but ')}`);
    throw new UsageError(`${mixed[0]?.strategy ?? ''} on ${first.report.scenario}: its shards were run with different settings, so they are not one search: ${values.join('; ')}`);
  }
}

function readLines(file: string, cwd: string): string[] {
  try {
    return readFileSync(resolve(cwd, file), 'utf8').split('\n');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot read '${file}': ${code === 'ENOENT' ? 'No such file or directory' : error instanceof Error ? error.message : String(error)}`);
  }
}

/** The shards of one search joined; every shard 0..n-1 must be there exactly once. */
function joinShards(group: SearchGroup): ExploreReport {
  const first = group.lines[0];
  if (first === undefined) throw new Error('a search group without lines');
  const name = `${group.strategy} on ${first.report.scenario}`;
  const whole = group.lines.filter((line) => line.shard === null);
  if (whole.length > 0) {
    if (group.lines.length > 1) throw new UsageError(`${name}: the whole search and ${group.lines.length - 1} more report(s) of it (${group.where.join(', ')}): merge only shards`);
    return first.report;
  }
  const count = first.shard?.count ?? 0;
  const seen = new Map<number, string>();
  group.lines.forEach((line, index) => {
    const where = group.where[index] ?? '';
    if (line.shard?.count !== count) throw new UsageError(`${name}: shards of different splits (${where} is ${line.shard?.index ?? 0}/${line.shard?.count ?? 0}, others are of ${count})`);
    const earlier = seen.get(line.shard.index);
    if (earlier !== undefined) throw new UsageError(`${name}: shard ${line.shard.index}/${count} appears twice (${earlier} and ${where})`);
    seen.set(line.shard.index, where);
  });
  const missing = Array.from({ length: count }, (_, index) => index).filter((index) => !seen.has(index));
  if (missing.length > 0) throw new UsageError(`${name}: shard${missing.length > 1 ? 's' : ''} ${missing.map((index) => `${index}/${count}`).join(', ')} missing`);
  return mergeReports(group.lines.map((line) => line.report));
}
