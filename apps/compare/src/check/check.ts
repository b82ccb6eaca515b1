import { NondeterminismError, describeViolation, explore, findSuiteScenario, replay, scenarioMismatch, type ExploreOptions, type ExploreReport, type SuiteScenario } from '@kmodsim/explore';
import { strategyNames, type RefcountStrategy } from '@kmodsim/refcount';
import { UsageError, type CompareIo } from '../io.js';
import { loadStrategy } from './load-strategy.js';
import { CHECK_USAGE, parseCheckOptions, type CheckOptions } from './options.js';
import { formatNotApplicable, formatVerdict, isFailure, judge, notApplicableJson, verdictHeader, verdictJson } from './verdict.js';
import { searchWithWorkers } from './worker-pool.js';

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
  for (const spec of specs) strategies.push({ spec, strategy: await loadStrategy(spec, cwd) });
  if (parsed.replay !== undefined) return replayCommand(parsed, strategies[0]?.strategy, io, parsed.replay);
  let failed = false;
  if (!parsed.json) io.stdout.write(verdictHeader());
  for (const { spec, strategy } of strategies) {
    for (const name of parsed.scenarios) {
      const scenario = scenarioNamed(name);
      const mismatch = scenarioMismatch(scenario, strategy);
      if (mismatch !== undefined) {
        io.stdout.write(parsed.json ? notApplicableJson(strategy.name, scenario.name, mismatch) : formatNotApplicable(strategy.name, scenario.name, mismatch));
        continue;
      }
      const report = await searchOrExplain(parsed, spec, strategy, scenario, io, cwd);
      if (report === undefined) return 1;
      const verdict = judge(strategy.name, scenario, report, (schedule) => replayLine(spec, scenario, parsed, schedule));
      failed ||= isFailure(verdict);
      io.stdout.write(parsed.json ? verdictJson(verdict, parsed.shard ?? null) : formatVerdict(verdict));
      if (!parsed.json && verdict.violation !== undefined && isFailure(verdict)) {
        const described = describeViolation(targetOf(parsed, strategy, scenario), verdict.violation);
        io.stdout.write(indent(described.columns));
      }
    }
  }
  return failed ? 1 : 0;
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

/** The search, or undefined after saying why it could not run (a scenario or strategy that is not deterministic). */
async function searchOrExplain(options: CheckOptions, spec: string, strategy: RefcountStrategy, scenario: SuiteScenario, io: CompareIo, cwd: string): Promise<ExploreReport | undefined> {
  try {
    return await search(options, spec, strategy, scenario, io, cwd);
  } catch (error) {
    if (!(error instanceof NondeterminismError)) throw error;
    io.stderr.write(`kmodsim-compare: ERROR: ${strategy.name} on ${scenario.name}: ${error.message}\n`);
    return undefined;
  }
}

async function search(options: CheckOptions, spec: string, strategy: RefcountStrategy, scenario: SuiteScenario, io: CompareIo, cwd: string): Promise<ExploreReport> {
  const common = searchOptions(options, scenario);
  if (options.workers > 1) {
    return searchWithWorkers({ strategy: spec, cwd, scenario: scenario.name, cpus: options.cpus, search: { ...common } }, options.workers);
  }
  const progress = io.isTty === true
    ? { onProgress: (state: { executions: number; violations: number }) => io.stderr.write(`\r${strategy.name} ${scenario.name}: ${state.executions} executions, ${state.violations} violations`) }
    : {};
  const report = explore(targetOf(options, strategy, scenario), { ...common, ...progress, ...(options.shard === undefined ? {} : { shard: options.shard }) });
  if (io.isTty === true) io.stderr.write('\r\u001b[K');
  return report;
}

function replayLine(spec: string, scenario: SuiteScenario, options: CheckOptions, schedule: string): string {
  const cpus = options.cpus === undefined ? '' : ` --cpus ${options.cpus}`;
  return `kmodsim-compare check --strategy ${spec} --scenario ${scenario.name}${cpus} --replay '${schedule}'`;
}

function replayCommand(options: CheckOptions, strategy: RefcountStrategy | undefined, io: CompareIo, schedule: string): number {
  const scenario = scenarioNamed(options.scenarios[0] ?? '');
  if (strategy === undefined) throw new UsageError('--replay needs a --strategy');
  const target = targetOf(options, strategy, scenario);
  const replayed = replay(target, schedule);
  if ('error' in replayed) throw new UsageError(replayed.error);
  if (!replayed.reproduced) {
    io.stderr.write(`kmodsim-compare: ERROR: the schedule does not fit this run (is it from another version of the scenario or of kmodsim?): ${replayed.divergence ?? ''}\n`);
    return 2;
  }
  const described = describeViolation(target, { kind: 'invariant', message: '', schedule, steps: 0, preemptions: 0, irqs: 0, cpu: -1, comm: '', pid: 0, setupSteps: 0 });
  const fault = replayed.fault;
  const ending = fault === undefined ? 'the run ends cleanly' : `${fault.kind}: ${fault.message}`;
  if (options.format === 'chrome') {
    io.stdout.write(`${described.chromeJson}\n`);
    io.stderr.write(`# ${ending}\n`);
  } else {
    io.stdout.write(`${described.ftrace}\n${described.columns}# ${ending}\n`);
  }
  return fault === undefined || fault.kind === 'replay-diverged' ? 0 : 1;
}

function indent(text: string): string {
  return text.split('\n').map((line) => (line === '' ? line : `    ${line}`)).join('\n');
}
