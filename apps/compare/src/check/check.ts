import { describeViolation, replay, type ExploreTarget, type Violation } from '@kmodsim/explore';
import { scenarioMismatch } from '@kmodsim/scenarios';
import type { RefcountStrategy } from '@kmodsim/refcount';
import { UsageError, type CompareIo } from '../io.js';
import { counterexampleColumns, counterexampleWidth } from './columns.js';
import { CHECK_USAGE, checkReplayModel, parseCheckOptions, type CheckOptions } from './options.js';
import { judgePairs, loadStrategies, planPairs, scenarioNamed, targetOf, type Pair } from './pairs.js';
import { emptySummary, jsonReporter, junitReporter, tableReporter, tally, tallyError, tallyNotApplicable, type CheckReporter } from './reporters.js';
import { columnsFor, isFailure } from './verdict.js';

/** `kmodsim-compare check`: a verdict per strategy and scenario. Thin: the search is @kmodsim/explore's. */
export async function checkCommand(argv: readonly string[], io: CompareIo): Promise<number> {
  const parsed = parseCheckOptions(argv);
  if (parsed === 'help') {
    io.stdout.write(CHECK_USAGE);
    return 0;
  }
  const strategies = await loadStrategies(parsed, io.cwd);
  if (parsed.replay !== undefined) return replayCommand(parsed, strategies[0]?.strategy, io, parsed.replay);
  return checkPairs(planPairs(strategies, parsed.scenarios), parsed, io);
}

/** Rows of a violation's column view under its verdict; its replay command prints them all. */
const VERDICT_COLUMN_ROWS = 200;

/** How wide a counterexample's column view may be: the table indents it by 4; JUnit keeps every cell whole. */
function columnViewWidth(options: CheckOptions, io: CompareIo): number | undefined {
  if (options.reporter === 'junit') return undefined;
  const width = counterexampleWidth(io.columns, io.env);
  return width === undefined ? undefined : width - 4;
}

/** The column view of a violation's counterexample, replayed. */
function violationColumns(target: ExploreTarget, violation: Violation, lineWidth: number | undefined): string {
  const run = replay(target, violation.schedule);
  return counterexampleColumns(run.ok ? run.value.trace : [], target.cpuCount, violation.setupSteps, VERDICT_COLUMN_ROWS, lineWidth);
}

function reporterFor(pairs: readonly Pair[], options: CheckOptions, io: CompareIo): CheckReporter {
  if (options.json) return jsonReporter(io, options.shard ?? null, options.memory);
  if (options.reporter === 'junit') return junitReporter(io);
  return tableReporter(io, columnsFor(pairs.map((pair) => pair.strategy.name), pairs.map((pair) => pair.scenario.name)));
}

/** Prints a verdict per pair, in order, as the searches finish, then a summary; 1 when any verdict is a surprise. */
async function checkPairs(pairs: readonly Pair[], options: CheckOptions, io: CompareIo): Promise<number> {
  const started = io.now?.();
  const reporter = reporterFor(pairs, options, io);
  const summary = emptySummary(options.memory);
  let failed = false;
  for await (const result of judgePairs(pairs, options, io)) {
    const { strategy, scenario } = result.pair;
    switch (result.kind) {
      case 'n/a':
        tallyNotApplicable(summary);
        reporter.notApplicable(strategy.name, scenario.name, result.reason);
        break;
      case 'error':
        failed = true;
        tallyError(summary, result.executions);
        reporter.error(strategy.name, scenario.name, result.reason, result.executions);
        break;
      case 'verdict': {
        const { verdict } = result;
        failed ||= isFailure(verdict);
        tally(summary, verdict);
        const columnView = verdict.violation !== undefined && isFailure(verdict) && !options.json
          ? violationColumns(targetOf(options, strategy, scenario), verdict.violation, columnViewWidth(options, io))
          : undefined;
        reporter.verdict(verdict, columnView);
      }
    }
  }
  const finished = io.now?.();
  summary.wallMs = started === undefined || finished === undefined ? undefined : finished - started;
  reporter.end(summary);
  return failed ? 1 : 0;
}

function replayCommand(options: CheckOptions, strategy: RefcountStrategy | undefined, io: CompareIo, schedule: string): number {
  const scenario = scenarioNamed(options.scenarios[0] ?? '');
  if (strategy === undefined) throw new UsageError('--replay needs a --strategy');
  const mismatch = scenarioMismatch(scenario, strategy);
  if (mismatch !== undefined) throw new UsageError(`${strategy.name} on ${scenario.name} cannot be judged (N/A): ${mismatch}`);
  const target = targetOf(options, strategy, scenario);
  checkReplayModel(schedule, options.memory, target.cpuCount);
  const run = replay(target, schedule);
  if (!run.ok) throw new UsageError(run.message);
  const replayed = run.value;
  if (!replayed.reproduced) {
    io.stderr.write(`kmodsim-compare: the schedule does not fit this run (is it from another version of the scenario or of kmodsim?): ${replayed.divergence ?? ''}\n`);
    return 2;
  }
  const described = describeViolation(target, { kind: 'invariant', message: '', schedule, steps: 0, preemptions: 0, irqs: 0, cpu: -1, comm: '', pid: 0, setupSteps: 0 });
  const columns = counterexampleColumns(replayed.trace, target.cpuCount, 0, Infinity, counterexampleWidth(io.columns, io.env));
  const fault = replayed.fault;
  const cutShort = fault?.kind === 'replay-diverged';
  const ending = fault === undefined ? 'the run ends cleanly' : cutShort ? `the schedule ends but the run does not: ${fault.message}` : `${fault.kind}: ${fault.message}`;
  if (options.format === 'chrome') {
    io.stdout.write(`${described.chromeJson}\n`);
    io.stderr.write(`# ${ending}\n`);
  } else {
    io.stdout.write(`${described.ftrace}\n${columns}# ${ending}\n`);
  }
  if (cutShort) {
    // A schedule check printed runs to its violation's end (a livelock's goes on under round-robin and is reported so); one that stops while the run could still end was cut.
    io.stderr.write(`kmodsim-compare: the schedule stops before the run ends: ${fault.message}\n`);
    return 2;
  }
  return fault === undefined ? 0 : 1;
}
