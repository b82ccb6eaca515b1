import { parseCommandLine, type OptionSpec } from '@kmodsim/cli';
import { MEMORY_MODEL_NAMES, scheduleModelMismatch, type MemoryModelName } from '@kmodsim/cpu';
import type { SearchMode } from '@kmodsim/explore';
import { catalogue, suite } from '@kmodsim/scenarios';
import { OptionError, UsageError } from '../io.js';

export interface CheckOptions {
  readonly strategies: readonly string[];
  readonly scenarios: readonly string[];
  readonly cpus: number | undefined;
  /** Bounds given on the command line; each scenario's documented bounds otherwise. */
  readonly preemptions: number | undefined;
  readonly irqs: number | undefined;
  readonly mode: SearchMode;
  readonly seed: number;
  readonly executions: number;
  readonly shard: { readonly index: number; readonly count: number } | undefined;
  readonly workers: number;
  readonly json: boolean;
  /** `junit`: a JUnit XML report on stdout, one testcase per pair, for CI. */
  readonly reporter: 'table' | 'junit';
  readonly replay: string | undefined;
  readonly format: 'ftrace' | 'chrome';
  readonly maxExecutions: number;
  /** Also count the distinct traces the exhaustive search covered. */
  readonly traces: boolean;
  /** Start each execution from the checkpoint after setup (see @kmodsim/explore), or boot every one afresh. */
  readonly checkpoints: boolean;
  /** No progress line on the terminal. */
  readonly quiet: boolean;
  /** The machine's memory model: 'sc' (default), 'tso' or 'relaxed'. */
  readonly memory: MemoryModelName;
  /**
   * How an exhaustive search cuts the work: 'states' stops each execution at a state an earlier
   * one reached (the default), 'por' by partial-order reduction with sleep sets (what --shard,
   * --traces and one pair split between --workers need).
   */
  readonly reduction: 'states' | 'por';
}

const MAX_BOUND = 10;
const MAX_EXHAUSTIVE_CPUS = 8;
const MAX_WORKERS = 64;

export const CHECK_USAGE = `Usage: kmodsim-compare check [OPTIONS]

Checks refcount strategies against the scenario suite and prints a verdict for each pair.

Options:
  --strategy NAME|FILE   a strategy by name, or a .js/.mjs file exporting one (repeatable; default: all)
  --scenario NAME        a scenario of the suite (repeatable; default: all)
  --cpus N               CPUs (default: the scenario's own)
  --memory MODEL         the machine's memory model: sc (default, sequential consistency), tso
                         (x86-TSO: each CPU's stores wait in a store buffer until a barrier, a locked
                         instruction, an interrupt, a switch or the search makes them visible) or
                         relaxed (tso's buffers, and loads that may read an older value until the
                         barriers Linux's memory model has say they must not). The summary line,
                         --json lines and JUnit's properties name it; a schedule with store-buffer
                         flushes (f0) replays only with --memory tso or relaxed, one with loads of
                         older values (s0) only with --memory relaxed
  --preemptions K        preemption bound, 0-${MAX_BOUND} (default: the scenario's documented bound)
  --irqs K               interrupt bound, 0-${MAX_BOUND} (default: the scenario's documented bound)
  --mode MODE            exhaustive (default), random or pct
  --seed S               seed for random and pct (default 1)
  --executions N         executions for random and pct (default 1000)
  --max-executions N     cap for exhaustive search (default 1000000)
  --reduction KIND       how an exhaustive search cuts the work: states (the default without --shard
                         and --traces: an execution stops at a machine state an earlier one reached
                         with no more preemptions and interrupts spent; where a timer decides what
                         happens, a pass falls back to por) or por (partial-order reduction with
                         sleep sets; --workers then also split one pair between threads)
  --shard i/n            run only shard i of n (from 0), to split a search across machines
  --workers N            search on N worker threads (1-64): each takes a whole pair, the longest first
                         by what each took when last measured, and with --reduction por one with none
                         left takes part of a running search; the verdicts are printed in the table's
                         order all the same
  --traces               also count the distinct traces covered: executions that differ only in the
                         order of independent steps count once (exhaustive, without --shard or --workers)
  --no-checkpoints       boot the scenario afresh for every execution instead of rewinding to a
                         checkpoint after setup (slower). State a strategy keeps outside simulated
                         memory is looked for either way (with this option, by a search of 64
                         executions with checkpoints: a sample, which can miss state that shows
                         later); where it is seen and the pair is found clean, the pair is an ERROR
  --quiet                no progress line on stderr (shown only when it is a terminal: pairs done,
                         the search under way and its executions, about how long is left)
  --json                 one JSON object per verdict
  --reporter junit       a JUnit XML report instead of the table: one testcase per pair, a failure
                         for each surprise with its counterexample and replay command
  --replay STRING        rerun one schedule (with one --strategy and one --scenario) and print its trace
  --format FORMAT        trace format for --replay: ftrace (default, with a column per CPU) or chrome (Perfetto JSON)
  -h, --help             show this help

Verdicts: CLEAN (nothing found), EXPECTED (the violation the pair is known to show: a scenario's
own oops, or one the strategy declares in knownViolations), VIOLATION (one nobody declared),
MISSED (a declared one not found), INCOMPLETE (an exhaustive search stopped at --max-executions
before it was exhausted: no verdict), ERROR (the search could not run, or it found nothing but the
strategy keeps state outside simulated memory, whose races no search sees: not certified CLEAN),
N/A (the pair cannot be judged).
Random and pct searches are samples, never exhausted: CLEAN there means nothing found in the sample.
A counterexample's replay command runs as printed from any directory (under pnpm exec, any in the
workspace): the program started as this run was (pnpm exec, the command on the PATH, or node and
the script's absolute path), a strategy file by its absolute path.
Exit status: 0 when every verdict is as declared, 1 on any VIOLATION, MISSED, INCOMPLETE or ERROR, 2 for usage
errors, on one line (among them a strategy declaring a scenario or violation kind that does not
exist, a malformed knownViolations entry, or a violation in a scenario the strategy cannot run).
`;

/** check's options: all spelled out, and each takes a value but the flags. */
const CHECK_OPTIONS: readonly OptionSpec[] = [
  ...['strategy', 'scenario', 'cpus', 'memory', 'preemptions', 'irqs', 'mode', 'seed', 'executions', 'max-executions', 'reduction', 'shard', 'workers', 'reporter', 'replay', 'format']
    .map((long) => ({ long, takesArgument: true })),
  ...['json', 'traces', 'no-checkpoints', 'quiet'].map((long) => ({ long, takesArgument: false })),
  { short: 'h', long: 'help', takesArgument: false },
];

/** The command line as getopt_long reads it (an option's value is the next word, whatever it starts with), with the defaults. */
function readCheckLine(argv: readonly string[]) {
  const parsed = parseCommandLine('kmodsim-compare check', argv, CHECK_OPTIONS);
  if (!parsed.ok) throw new OptionError(parsed.message);
  const { line } = parsed;
  if (line.operands.length > 0) throw new UsageError(`unexpected argument '${line.operands[0] ?? ''}'`);
  const value = (name: string, fallback: string): string => line.value(name) ?? fallback;
  return {
    help: line.has('help'),
    strategy: line.values('strategy'),
    scenario: line.values('scenario'),
    cpus: line.value('cpus'),
    memory: value('memory', 'sc'),
    preemptions: line.value('preemptions'),
    irqs: line.value('irqs'),
    mode: value('mode', 'exhaustive'),
    seed: value('seed', '1'),
    executions: value('executions', '1000'),
    'max-executions': value('max-executions', '1000000'),
    reduction: line.value('reduction'),
    shard: line.value('shard'),
    workers: value('workers', '1'),
    json: line.has('json'),
    reporter: value('reporter', 'table'),
    traces: line.has('traces'),
    noCheckpoints: line.has('no-checkpoints'),
    quiet: line.has('quiet'),
    replay: line.value('replay'),
    format: value('format', 'ftrace'),
  };
}

export function parseCheckOptions(argv: readonly string[]): CheckOptions | 'help' {
  const values = readCheckLine(argv);
  if (values.help) return 'help';
  const mode = values.mode;
  if (mode !== 'exhaustive' && mode !== 'random' && mode !== 'pct') throw new UsageError(`unknown mode '${mode}'; known: exhaustive, random, pct`);
  const reporter = values.reporter;
  if (reporter !== 'table' && reporter !== 'junit') throw new UsageError(`unknown reporter '${reporter}'; known: table, junit`);
  if (reporter === 'junit' && values.json) throw new UsageError('--reporter junit and --json are two formats: choose one');
  const memory = values.memory;
  if (!(MEMORY_MODEL_NAMES as readonly string[]).includes(memory)) throw new UsageError(`unknown memory model '${memory}'; known: ${MEMORY_MODEL_NAMES.join(', ')}`);
  const format = values.format;
  if (format !== 'ftrace' && format !== 'chrome') throw new UsageError(`unknown trace format '${format}'; known: ftrace, chrome`);
  // A strategy or scenario named twice is still one: each pair is searched and counted once.
  const scenarios = values.scenario.length > 0 ? [...new Set(values.scenario)] : suite.map((entry) => entry.name);
  for (const name of scenarios) {
    if (catalogue.some((entry) => entry.name === name && entry.kind === 'demonstration')) {
      throw new UsageError(`scenario '${name}' is a demonstration to watch, not one check searches: run it with 'kmodsim scenario run ${name}'`);
    }
    if (!suite.some((entry) => entry.name === name)) throw new UsageError(`unknown scenario '${name}'; known: ${suite.map((entry) => entry.name).join(', ')}`);
  }
  const reduction = values.reduction ?? (values.shard !== undefined || values.traces ? 'por' : 'states');
  if (reduction !== 'states' && reduction !== 'por') throw new UsageError(`unknown reduction '${reduction}'; known: states, por`);
  if (reduction === 'states' && (values.shard !== undefined || values.traces)) throw new UsageError('--reduction states searches one pair whole: --shard and --traces need --reduction por');
  const cpus = values.cpus === undefined ? undefined : whole('--cpus', values.cpus, 1, mode === 'exhaustive' ? MAX_EXHAUSTIVE_CPUS : 1024);
  // Each scenario binds its tasks to the CPUs it was written for: fewer cannot run it at all.
  const tooSmall = cpus === undefined ? undefined : suite.find((entry) => scenarios.includes(entry.name) && entry.cpuCount > cpus);
  if (tooSmall !== undefined) throw new UsageError(`--cpus ${cpus}: scenario ${tooSmall.name} needs at least ${tooSmall.cpuCount} CPUs`);
  const options: CheckOptions = {
    strategies: [...new Set(values.strategy)],
    scenarios,
    cpus,
    preemptions: values.preemptions === undefined ? undefined : whole('--preemptions', values.preemptions, 0, MAX_BOUND),
    irqs: values.irqs === undefined ? undefined : whole('--irqs', values.irqs, 0, MAX_BOUND),
    mode,
    seed: whole('--seed', values.seed, 0, 0xffffffff),
    executions: whole('--executions', values.executions, 1, 100_000_000),
    maxExecutions: whole('--max-executions', values['max-executions'], 1, 1_000_000_000),
    shard: values.shard === undefined ? undefined : parseShard(values.shard),
    workers: whole('--workers', values.workers, 1, MAX_WORKERS),
    json: values.json,
    reporter,
    traces: values.traces,
    checkpoints: !values.noCheckpoints,
    quiet: values.quiet,
    memory: memory as MemoryModelName,
    reduction,
    replay: values.replay,
    format,
  };
  if (options.replay !== undefined && (options.strategies.length !== 1 || options.scenarios.length !== 1)) {
    throw new UsageError('--replay needs exactly one --strategy and one --scenario');
  }
  if (options.replay !== undefined && (options.json || options.shard !== undefined || options.workers > 1 || options.traces)) {
    throw new UsageError('--replay reruns one schedule and prints its trace: not with --json (use --format chrome), --shard, --workers or --traces');
  }
  if (options.shard !== undefined && options.workers > 1) throw new UsageError('--shard and --workers do not go together: --shard splits a search between machines, --workers between the threads of one; use one of them');
  if (options.traces && (options.mode !== 'exhaustive' || options.shard !== undefined || options.workers > 1)) {
    throw new UsageError('--traces counts the traces of one whole exhaustive search: not with --mode random or pct, --shard or --workers');
  }
  return options;
}

/**
 * A schedule whose choices only a weaker machine makes (a flush: tso or relaxed; a stale load:
 * relaxed) is refused on a stronger one, naming the option, before the replay would diverge on it
 * (one that names a CPU the run does not have is left to the replay, whatever the model).
 */
export function checkReplayModel(schedule: string, memory: MemoryModelName, cpuCount: number): void {
  const mismatch = scheduleModelMismatch(schedule, memory, cpuCount);
  if (mismatch !== undefined) throw new UsageError(`${mismatch.text}: replay it with --memory ${mismatch.needs}`);
}

/** A whole number written as one: decimal digits only (Number() would also take ' 2', '1e1' and '0x10'). */
function whole(option: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max) {
    throw new UsageError(`${option} must be a whole number from ${min} to ${max}, got '${text}'`);
  }
  return value;
}

function parseShard(text: string): { index: number; count: number } {
  const match = /^(\d+)\/(\d+)$/.exec(text);
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (match === null || count < 1 || index >= count) throw new UsageError(`--shard must be i/n with 0 <= i < n, got '${text}'`);
  return { index, count };
}
