import { SearchError, describeViolation, explore, replay, type ExploreOptions, type ExploreReport, type Violation } from '@kmodsim/explore';
import { declarationProblems, expectationOf, findSuiteScenario, scenarioMismatch, type SuiteScenario } from '@kmodsim/scenarios';
import { strategyNames, type RefcountStrategy } from '@kmodsim/refcount';
import { UsageError, type CompareIo } from '../io.js';
import { counterexampleColumns, counterexampleWidth } from './columns.js';
import { loadStrategy } from './load-strategy.js';
import { CHECK_USAGE, parseCheckOptions, type CheckOptions } from './options.js';
import { emptySummary, jsonReporter, junitReporter, tableReporter, tally, type CheckReporter } from './reporters.js';
import { columnsFor, isFailure, judge } from './verdict.js';
import { WorkerPool } from './worker-pool.js';

/** `kmodsim-compare check`: a verdict per strategy and scenario. Thin: the search is @kmodsim/explore's. */
export async function checkCommand(argv: readonly string[], io: CompareIo): Promise<number> {
  const cwd = io.cwd;
  const parsed = parseCheckOptions(argv);
  if (parsed === 'help') {
    io.stdout.write(CHECK_USAGE);
    return 0;
  }
  const specs = parsed.strategies.length > 0 ? parsed.strategies : strategyNames();
  const strategies: { spec: string; strategy: RefcountStrategy }[] = [];
  for (const spec of specs) {
    const strategy = await loadStrategy(spec, cwd);
    const problems = declarationProblems(strategy);
    if (problems.length > 0) throw new UsageError(problems.join('; '));
    strategies.push({ spec, strategy });
  }
  if (parsed.replay !== undefined) return replayCommand(parsed, strategies[0]?.strategy, io, parsed.replay);
  const pairs = planPairs(strategies, parsed.scenarios);
  const judgeable = judgeableCount(pairs);
  // A thread per search at most when pairs are shared out whole; all of them when one pair is sharded.
  const threads = judgeable > 1 ? Math.min(parsed.workers, judgeable) : parsed.workers;
  const pool = parsed.workers > 1 && judgeable > 0 ? new WorkerPool(threads) : undefined;
  try {
    return await checkPairs(pairs, parsed, io, pool);
  } finally {
    await pool?.close();
  }
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
function violationColumns(target: ReturnType<typeof targetOf>, violation: Violation, lineWidth: number | undefined): string {
  const run = replay(target, violation.schedule);
  return counterexampleColumns(run.ok ? run.value.trace : [], target.cpuCount, violation.setupSteps, VERDICT_COLUMN_ROWS, lineWidth);
}

/** One strategy against one scenario, and why the pair cannot be judged, if it cannot. */
interface Pair {
  readonly spec: string;
  readonly strategy: RefcountStrategy;
  readonly scenario: SuiteScenario;
  readonly mismatch: string | undefined;
}

function judgeableCount(pairs: readonly Pair[]): number {
  return pairs.filter((pair) => pair.mismatch === undefined).length;
}

function planPairs(strategies: readonly { spec: string; strategy: RefcountStrategy }[], scenarios: readonly string[]): Pair[] {
  return strategies.flatMap(({ spec, strategy }) => scenarios.map((name) => {
    const scenario = scenarioNamed(name);
    return { spec, strategy, scenario, mismatch: scenarioMismatch(scenario, strategy) };
  }));
}

function reporterFor(pairs: readonly Pair[], options: CheckOptions, io: CompareIo): CheckReporter {
  if (options.json) return jsonReporter(io, options.shard ?? null);
  if (options.reporter === 'junit') return junitReporter(io);
  return tableReporter(io, columnsFor(pairs.map((pair) => pair.strategy.name), pairs.map((pair) => pair.scenario.name)));
}

/** Prints a verdict per pair, in order, as the searches finish, then a summary; 1 when any verdict is a surprise. */
async function checkPairs(pairs: readonly Pair[], options: CheckOptions, io: CompareIo, pool: WorkerPool | undefined): Promise<number> {
  const started = io.now?.();
  const progress = pool === undefined ? undefined : new PoolProgress(judgeableCount(pairs), io);
  const searches = startSearches(pairs, options, io, pool, progress);
  const reporter = reporterFor(pairs, options, io);
  const summary = emptySummary();
  let failed = false;
  for (const [index, { spec, strategy, scenario, mismatch }] of pairs.entries()) {
    if (mismatch !== undefined) {
      summary.notApplicable++;
      reporter.notApplicable(strategy.name, scenario.name, mismatch);
      continue;
    }
    const report = await explained(searches[index], strategy, scenario, io);
    progress?.clear();
    if (typeof report === 'string') {
      // The strategy could not be searched here (its code faulted while the demo modules loaded, or it is not deterministic): a failure of this pair, and the others still get theirs.
      failed = true;
      summary.pairs++;
      summary.unexpected++;
      reporter.error(strategy.name, scenario.name, report);
      progress?.show();
      continue;
    }
    const verdict = judge(strategy.name, expectationOf(strategy, scenario), report, (schedule) => replayLine(spec, scenario, options, schedule, io.env));
    failed ||= isFailure(verdict);
    tally(summary, verdict);
    const columnView = verdict.violation !== undefined && isFailure(verdict) && !options.json
      ? violationColumns(targetOf(options, strategy, scenario), verdict.violation, columnViewWidth(options, io))
      : undefined;
    reporter.verdict(verdict, columnView);
    progress?.show();
  }
  progress?.clear();
  const finished = io.now?.();
  summary.wallMs = started === undefined || finished === undefined ? undefined : finished - started;
  reporter.end(summary);
  return failed ? 1 : 0;
}

/**
 * A search per judgeable pair (undefined for the others). Without workers each runs when its
 * verdict is due, in this thread. With workers, several pairs go to the pool at once, each a
 * whole search on one thread (shards repeat some executions and some alternatives); a single
 * pair is split into shards instead, so every thread has part of it.
 */
function startSearches(pairs: readonly Pair[], options: CheckOptions, io: CompareIo, pool: WorkerPool | undefined, progress: PoolProgress | undefined): ((() => Promise<ExploreReport>) | undefined)[] {
  if (pool === undefined) return pairs.map((pair) => (pair.mismatch !== undefined ? undefined : () => Promise.resolve(searchHere(options, pair, io))));
  const judgeable = judgeableCount(pairs);
  return pairs.map((pair) => {
    if (pair.mismatch !== undefined) return undefined;
    const job = { strategy: pair.spec, cwd: io.cwd, scenario: pair.scenario.name, cpus: options.cpus, search: { ...searchOptions(options, pair.scenario) } };
    const started = judgeable === 1 ? pool.searchSharded(job, options.workers) : pool.search(job);
    const counted = started.then((report) => { progress?.done(); return report; });
    // Awaited in order later; until then a failure must not count as unhandled.
    counted.catch(() => undefined);
    return () => counted;
  });
}

/** On a terminal, how many of the pool's searches have finished: one stderr line, cleared while a verdict prints. */
class PoolProgress {
  private finished = 0;

  constructor(private readonly total: number, private readonly io: CompareIo) {}

  done(): void {
    this.finished++;
    this.show();
  }

  show(): void {
    if (this.io.isTty === true && this.finished < this.total) this.io.stderr.write(`\r${this.finished} of ${this.total} searches done`);
  }

  clear(): void {
    if (this.io.isTty === true) this.io.stderr.write('\r\u001b[K');
  }
}

/** The search's report, or why the pair could not be searched (also said on stderr). */
async function explained(search: (() => Promise<ExploreReport>) | undefined, strategy: RefcountStrategy, scenario: SuiteScenario, io: CompareIo): Promise<ExploreReport | string> {
  if (search === undefined) throw new Error(`no search started for ${strategy.name} on ${scenario.name}`);
  try {
    return await search();
  } catch (error) {
    if (!(error instanceof SearchError)) throw error;
    io.stderr.write(`kmodsim-compare: ERROR: ${strategy.name} on ${scenario.name}: ${error.message}\n`);
    return error.message;
  }
}

function scenarioNamed(name: string): SuiteScenario {
  const scenario = findSuiteScenario(name);
  if (scenario === undefined) throw new UsageError(`unknown scenario '${name}'`);
  return scenario;
}

function targetOf(options: CheckOptions, strategy: RefcountStrategy, scenario: SuiteScenario) {
  return { scenario: scenario.build(strategy), cpuCount: options.cpus ?? scenario.cpuCount };
}

function searchOptions(options: CheckOptions, scenario: SuiteScenario): ExploreOptions {
  return {
    mode: options.mode,
    preemptions: options.preemptions ?? scenario.bounds.preemptions,
    irqs: options.irqs ?? scenario.bounds.irqs,
    seed: options.seed,
    executions: options.executions,
    maxExecutions: options.maxExecutions,
    countTraces: options.traces,
  };
}

/** One search in this thread, with progress on a terminal. */
function searchHere(options: CheckOptions, pair: Pair, io: CompareIo): ExploreReport {
  const { strategy, scenario } = pair;
  const progress = io.isTty === true
    ? { onProgress: (state: { executions: number; violations: number }) => io.stderr.write(`\r${strategy.name} ${scenario.name}: ${state.executions} executions, ${state.violations} violations`) }
    : {};
  const report = explore(targetOf(options, strategy, scenario), { ...searchOptions(options, scenario), ...progress, ...(options.shard === undefined ? {} : { shard: options.shard }) });
  if (io.isTty === true) io.stderr.write('\r\u001b[K');
  return report;
}

/** The command that reruns a counterexample, pasteable from where check ran (the strategy as the user named it, quoted for the shell). */
function replayLine(spec: string, scenario: SuiteScenario, options: CheckOptions, schedule: string, env: CompareIo['env']): string {
  const cpus = options.cpus === undefined ? '' : ` --cpus ${options.cpus}`;
  return `${commandPrefix(env)}kmodsim-compare check --strategy ${shellWord(spec)} --scenario ${scenario.name}${cpus} --replay '${schedule}'`;
}

/** `pnpm exec ` when check was started that way (the binary is then not on the user's PATH). */
function commandPrefix(env: CompareIo['env']): string {
  return env['npm_command'] === 'exec' && (env['npm_config_user_agent'] ?? '').startsWith('pnpm/') ? 'pnpm exec ' : '';
}

function shellWord(word: string): string {
  return /^[\w./@%+=:,-]+$/.test(word) ? word : `'${word.replace(/'/g, "'\\''")}'`;
}

function replayCommand(options: CheckOptions, strategy: RefcountStrategy | undefined, io: CompareIo, schedule: string): number {
  const scenario = scenarioNamed(options.scenarios[0] ?? '');
  if (strategy === undefined) throw new UsageError('--replay needs a --strategy');
  const mismatch = scenarioMismatch(scenario, strategy);
  if (mismatch !== undefined) throw new UsageError(`${strategy.name} on ${scenario.name} cannot be judged (N/A): ${mismatch}`);
  const target = targetOf(options, strategy, scenario);
  const run = replay(target, schedule);
  if (!run.ok) throw new UsageError(run.message);
  const replayed = run.value;
  if (!replayed.reproduced) {
    io.stderr.write(`kmodsim-compare: ERROR: the schedule does not fit this run (is it from another version of the scenario or of kmodsim?): ${replayed.divergence ?? ''}\n`);
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
    io.stderr.write(`kmodsim-compare: ERROR: the schedule stops before the run ends: ${fault.message}\n`);
    return 2;
  }
  return fault === undefined ? 0 : 1;
}
