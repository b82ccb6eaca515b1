import { runScenario, type ScenarioRun } from '@kmodsim/cpu';
import { catalogue, findScenario, scenarioMismatch, type CatalogueScenario } from '@kmodsim/scenarios';
import { findStrategy, strategyNames } from '@kmodsim/refcount';
import type { CliIo } from '@kmodsim/cli';
import { parseCpuCount } from './numbers.js';
import { parseTraceFormat, printRun } from './run-output.js';
import { asksForHelp, type OptionSpec } from '@kmodsim/cli';
import { parseSubcommand, usageError, withValue, type SubcommandArgs } from './machine-args.js';

/** The seed's design: what every kmodsim command runs unless told otherwise. */
export const DEFAULT_STRATEGY = 'percpu-stop-machine';

const SCENARIO_USAGE = `Usage: kmodsim scenario list
       kmodsim scenario run NAME [--strategy NAME] [--cpus N] [--schedule STRING] [--format ftrace|chrome]
list: the scenario catalogue. run: boot the embedded kernel, run the scenario, print its
trace and its replay command.
`;

const NAME_WIDTH = Math.max(...catalogue.map((scenario) => scenario.name.length)) + 1;

/** `kmodsim scenario list` and `kmodsim scenario run NAME [...]`. */
export function scenarioCommand(argv: readonly string[], io: CliIo): number {
  if (asksForHelp(argv)) {
    io.stdout.write(SCENARIO_USAGE);
    return 0;
  }
  const [verb, ...rest] = argv;
  switch (verb ?? '') {
    case 'list':
      if (rest.length > 0) return usageError(io, 'scenario list', `unexpected argument '${rest[0] ?? ''}'`);
      for (const scenario of catalogue) io.stdout.write(`${scenario.name.padEnd(NAME_WIDTH)} ${scenario.description}\n`);
      return 0;
    case 'run':
      return runCommand(rest, io);
    default:
      return usageError(io, 'scenario', `expected 'list' or 'run NAME', got ${verb === undefined ? 'nothing' : `'${verb}'`}`);
  }
}

/** The options of every command that runs a scenario (demo, scenario run). */
export const SCENARIO_OPTIONS: readonly OptionSpec[] = ['strategy', 'cpus', 'schedule', 'format'].map(withValue);

function runCommand(argv: readonly string[], io: CliIo): number {
  const parsed = parseSubcommand(io, 'scenario run', argv, SCENARIO_OPTIONS, SCENARIO_USAGE);
  if (!parsed.ok) return parsed.status;
  const { positionals } = parsed.args;
  const name = positionals[0];
  const scenario = name === undefined ? undefined : findScenario(name);
  if (scenario === undefined) {
    return usageError(io, 'scenario run', `unknown scenario '${name ?? ''}'; known: ${catalogue.map((known) => known.name).join(', ')}`);
  }
  if (positionals.length > 1) return usageError(io, 'scenario run', `unexpected argument '${positionals[1] ?? ''}'`);
  return runModuleScenario(io, 'scenario run', scenario, scenarioRequest(parsed.args), (run) =>
    `kmodsim scenario run ${scenario.name} --strategy ${run.strategy} --cpus ${run.cpus} --schedule '${run.schedule}'`);
}

export interface ScenarioRequest {
  readonly strategy: string;
  /** CPUs as given on the command line; the scenario's own count when absent. */
  readonly cpus?: string | undefined;
  readonly schedule: string;
  readonly format: string;
}

/** The request the options give, with their defaults; --cpus has none (the scenario's own count). */
export function scenarioRequest(args: SubcommandArgs): ScenarioRequest {
  return { strategy: args.string('strategy') ?? DEFAULT_STRATEGY, cpus: args.string('cpus'), schedule: args.string('schedule') ?? 'kms1:rr', format: args.string('format') ?? 'ftrace' };
}

/** What a replay command line needs to say. */
export interface ReplayParts {
  readonly strategy: string;
  readonly cpus: string;
  readonly schedule: string;
}

/** Boots the embedded kernel with the strategy, runs the scenario, prints its trace and replay line. */
export function runModuleScenario(io: CliIo, command: string, scenario: CatalogueScenario, request: ScenarioRequest, replay: (parts: ReplayParts) => string): number {
  const strategy = findStrategy(request.strategy);
  if (strategy === undefined) return usageError(io, command, `unknown strategy '${request.strategy}'; known: ${strategyNames().join(', ')}`);
  const mismatch = scenarioMismatch(scenario, strategy);
  if (mismatch !== undefined) return usageError(io, command, mismatch);
  const format = parseTraceFormat(request.format);
  if (format === undefined) return usageError(io, command, `unknown trace format '${request.format}' (ftrace or chrome)`);
  const cpuCount = request.cpus === undefined ? scenario.cpuCount : parseCpuCount(request.cpus);
  if (typeof cpuCount !== 'number') return usageError(io, command, cpuCount.problem);
  // Fewer CPUs than the scenario places tasks on is the user's mistake, not a run that faults.
  if (cpuCount < scenario.cpuCount) return usageError(io, command, `scenario ${scenario.name} needs at least ${scenario.cpuCount} CPUs, got ${cpuCount}`);
  const run = runScenario(scenario.build(strategy), { cpuCount, schedule: request.schedule, trace: true });
  if (!run.ok) return usageError(io, command, run.message);
  // So is a schedule that asks for a choice this run cannot make: no trace, and nothing to replay.
  const misfit = scheduleMisfit(run.value, request.schedule);
  if (misfit !== undefined) return usageError(io, command, misfit);
  if (format === 'ftrace') io.stdout.write(`# scenario: ${scenario.name}: ${scenario.description}\n# strategy: ${strategy.name}: ${strategy.description}\n`);
  return printRun(io, run.value, format, (schedule) => replay({ strategy: strategy.name, cpus: String(cpuCount), schedule }), scenario.expected === 'clean' ? [] : scenario.expected);
}

/** Why the --schedule given does not fit the run (the step, and what it asked for there); undefined when it does. */
function scheduleMisfit(run: ScenarioRun, schedule: string): string | undefined {
  const fault = run.fault;
  if (fault?.kind !== 'replay-diverged') return undefined;
  const cpus = run.machine.cpuCount;
  const which = / CPU \d+ /.test(fault.message) ? ` (this run has ${cpus === 1 ? 'CPU 0' : `CPUs 0-${cpus - 1}`})` : '';
  return `--schedule '${schedule}' ${fault.message.replace(/^the schedule /, '')}${which}`;
}
