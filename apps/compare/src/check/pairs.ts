import { SearchError, explore, type ExploreOptions, type ExploreTarget } from '@kmodsim/explore';
import { declarationProblems, expectationOf, findSuiteScenario, scenarioMismatch, type SuiteScenario } from '@kmodsim/scenarios';
import { strategyNames, type RefcountStrategy } from '@kmodsim/refcount';
import { UsageError, type CompareIo } from '../io.js';
import { programWords, shellWord, strategyWord } from './invocation.js';
import { loadStrategy } from './load-strategy.js';
import type { CheckOptions } from './options.js';
import { keptState, probeWithCheckpoints } from './kept-state.js';
import { judge, type Verdict } from './verdict.js';
import { CheckProgress } from './progress.js';
import { estimatedMs, longestFirst } from './dispatch-order.js';
import { WorkerPool, type TimedReport } from './worker-pool.js';

// The searches check runs, and what each concluded, as data: check prints the results as they
// come, the report draws them. Both see the same pairs, searched the same way.

/** A strategy as the user named it (a registry name or a file) and as it loaded. */
export interface NamedStrategy {
  readonly spec: string;
  readonly strategy: RefcountStrategy;
}

/** One strategy against one scenario, and why the pair cannot be judged, if it cannot. */
export interface Pair extends NamedStrategy {
  readonly scenario: SuiteScenario;
  readonly mismatch: string | undefined;
}

/** What became of one pair: no search (N/A), a search that could not run (ERROR), or a verdict. */
export type PairResult =
  | { readonly kind: 'n/a'; readonly pair: Pair; readonly reason: string }
  /** `executions`: those the search ran before it was known to prove nothing (0 when it could not run). */
  | { readonly kind: 'error'; readonly pair: Pair; readonly reason: string; readonly executions: number }
  /** `searchMs`: the search's wall time, when a clock was given (on a worker thread, its own). */
  | { readonly kind: 'verdict'; readonly pair: Pair; readonly verdict: Verdict; readonly searchMs: number | undefined };

/** The strategies named on the command line (all built-in ones when none is), loaded, their declarations checked. */
export async function loadStrategies(options: CheckOptions, cwd: string): Promise<NamedStrategy[]> {
  const specs = options.strategies.length > 0 ? options.strategies : strategyNames();
  const strategies: NamedStrategy[] = [];
  for (const spec of specs) {
    const strategy = await loadStrategy(spec, cwd);
    const problems = declarationProblems(strategy);
    if (problems.length > 0) throw new UsageError(problems.join('; '));
    strategies.push({ spec, strategy });
  }
  return strategies;
}

export function planPairs(strategies: readonly NamedStrategy[], scenarios: readonly string[]): Pair[] {
  return strategies.flatMap(({ spec, strategy }) => scenarios.map((name) => {
    const scenario = scenarioNamed(name);
    return { spec, strategy, scenario, mismatch: scenarioMismatch(scenario, strategy) };
  }));
}

export function judgeableCount(pairs: readonly Pair[]): number {
  return pairs.filter((pair) => pair.mismatch === undefined).length;
}

/**
 * Every pair's result, in the pairs' order, each as soon as its search is done: searched here or
 * on `--workers` threads (started here and closed when the last result has been taken).
 */
export async function* judgePairs(pairs: readonly Pair[], options: CheckOptions, io: CompareIo): AsyncGenerator<PairResult> {
  const judgeable = judgeableCount(pairs);
  const pool = options.workers > 1 && judgeable > 0 ? new WorkerPool(options.workers) : undefined;
  try {
    const estimates = new Map(pairs.flatMap((pair, key) => (pair.mismatch === undefined ? [[key, Math.max(1, estimatedMs(pair, options))] as const] : [])));
    const progress = new CheckProgress(estimates, io, io.isTty === true && !options.quiet);
    const searches = startSearches(pairs, options, io, pool, progress);
    for (const [index, pair] of pairs.entries()) {
      if (pair.mismatch !== undefined) {
        yield { kind: 'n/a', pair, reason: pair.mismatch };
        continue;
      }
      const timed = await explained(searches[index], pair.strategy, pair.scenario, io, progress);
      progress.clear();
      // The strategy could not be searched here (its code faulted while the demo modules loaded, or it is not deterministic): a failure of this pair, and the others still get theirs.
      yield typeof timed === 'string' ? { kind: 'error', pair, reason: timed, executions: 0 } : resultOf(pair, timed, options, io);
    }
    progress.clear();
  } finally {
    await pool?.close();
  }
}

/**
 * A searched pair's verdict; or an ERROR when it found nothing but the strategy showed state kept
 * outside simulated memory, whose races the search cannot see (see kept-state.ts).
 */
function resultOf(pair: Pair, timed: TimedReport, options: CheckOptions, io: CompareIo): PairResult {
  const { spec, strategy, scenario } = pair;
  const { report } = timed;
  const verdict = judge(strategy.name, expectationOf(strategy, scenario, options.memory), report, (schedule) => replayLine(spec, scenario, options, schedule, io));
  const where = `${strategy.name} on ${scenario.name}`;
  const kept = verdict.verdict === 'clean' ? keptState(strategy.name, report, () => probeWithCheckpoints(targetOf(options, strategy, scenario), report.bounds)) : undefined;
  if (kept !== undefined) {
    io.stderr.write(`kmodsim-compare: ERROR: ${where}: ${kept.reason} (what showed it: ${kept.evidence})\n`);
    return { kind: 'error', pair, reason: kept.reason, executions: report.counts.executions };
  }
  // A strategy that keeps state the checkpoint cannot put back was searched booting afresh: what it found replays, and is judged.
  const afresh = report.bootedAfresh;
  if (afresh !== undefined && afresh.reason !== 'off') io.stderr.write(`kmodsim-compare: note: ${where}: every execution booted afresh, because ${afresh.why}\n`);
  return { kind: 'verdict', pair, verdict, searchMs: timed.searchMs };
}

type Search = () => Promise<TimedReport>;

/**
 * A search per judgeable pair (undefined for the others). Without workers each runs when its
 * verdict is due, in this thread. With workers, every pair goes to the pool at once, the longest
 * first by estimate: each starts whole on a thread, and a thread with no pair left takes part of
 * a running one.
 */
function startSearches(pairs: readonly Pair[], options: CheckOptions, io: CompareIo, pool: WorkerPool | undefined, progress: CheckProgress): (Search | undefined)[] {
  if (pool === undefined) return pairs.map((pair, key) => (pair.mismatch !== undefined ? undefined : () => Promise.resolve(searchHere(options, pair, key, progress))));
  const searches: (Search | undefined)[] = pairs.map(() => undefined);
  for (const key of longestFirst(pairs, options)) {
    const pair = pairs[key];
    if (pair === undefined || pair.mismatch !== undefined) continue;
    const job = { strategy: pair.spec, cwd: io.cwd, scenario: pair.scenario.name, cpus: options.cpus, memory: options.memory, search: { ...searchOptions(options, pair.scenario) } };
    // A pair shows as searching from its thread's first report: pairs still queued are not shown.
    const onExecutions = (executions: number): void => { progress.executions(key, executions); };
    progress.queued(key, `${pair.strategy.name} on ${pair.scenario.name}`);
    const started = pool.search(job, onExecutions);
    const counted = started.then((timed) => { progress.finished(key); return timed; });
    // Awaited in the table's order later; until then a failure must not count as unhandled.
    counted.catch(() => undefined);
    searches[key] = () => counted;
  }
  return searches;
}

/** The search's report, or why the pair could not be searched (also said on stderr). */
async function explained(search: Search | undefined, strategy: RefcountStrategy, scenario: SuiteScenario, io: CompareIo, progress: CheckProgress): Promise<TimedReport | string> {
  if (search === undefined) throw new Error(`no search started for ${strategy.name} on ${scenario.name}`);
  try {
    const timed = await search();
    progress.clear();
    return timed;
  } catch (error) {
    if (!(error instanceof SearchError)) throw error;
    progress.clear();
    io.stderr.write(`kmodsim-compare: ERROR: ${strategy.name} on ${scenario.name}: ${error.message}\n`);
    return error.message;
  }
}

export function scenarioNamed(name: string): SuiteScenario {
  const scenario = findSuiteScenario(name);
  if (scenario === undefined) throw new UsageError(`unknown scenario '${name}'`);
  return scenario;
}

/** What a pair's search runs on: the scenario built for the strategy, on check's CPUs. */
export function targetOf(options: CheckOptions, strategy: RefcountStrategy, scenario: SuiteScenario): ExploreTarget {
  return { scenario: scenario.build(strategy), cpuCount: options.cpus ?? scenario.cpuCount, memoryModel: options.memory };
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
    checkpoints: options.checkpoints,
    // An order is skipped only where one explored before, of the same trace, cost no more preemptions (@kmodsim/explore's sleep-sets.ts).
    sleepSets: true,
    stateCaching: options.reduction === 'states',
  };
}

/** One search in this thread, its executions shown as it goes. */
function searchHere(options: CheckOptions, pair: Pair, key: number, progress: CheckProgress): TimedReport {
  const { strategy, scenario } = pair;
  progress.queued(key, `${strategy.name} on ${scenario.name}`);
  progress.executions(key, 0);
  const onProgress = (state: { executions: number }): void => { progress.executions(key, state.executions); };
  const started = progress.now();
  const report = explore(targetOf(options, strategy, scenario), { ...searchOptions(options, scenario), onProgress, ...(options.shard === undefined ? {} : { shard: options.shard }) });
  const finished = progress.now();
  progress.finished(key);
  return { report, searchMs: started === undefined || finished === undefined ? undefined : finished - started };
}

/** The command that reruns a counterexample, pasteable as printed from any directory: the program started as this run was, a strategy file by its absolute path, each word quoted for the shell. */
function replayLine(spec: string, scenario: SuiteScenario, options: CheckOptions, schedule: string, io: CompareIo): string {
  const cpus = options.cpus === undefined ? '' : ` --cpus ${options.cpus}`;
  const memory = options.memory === 'sc' ? '' : ` --memory ${options.memory}`;
  return `${programWords(io)} check --strategy ${shellWord(strategyWord(spec, io.cwd))} --scenario ${scenario.name}${cpus}${memory} --replay '${schedule}'`;
}
