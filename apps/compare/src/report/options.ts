import { parseCommandLine, type OptionSpec } from '@kmodsim/cli';
import { OptionError, UsageError } from '../io.js';
import { parseCheckOptions, type CheckOptions } from '../check/options.js';
import type { CostRequest } from '../cost/options.js';

export interface ReportOptions {
  /** The searches, as check runs them (on each scenario's own CPUs). */
  readonly check: CheckOptions;
  /** What cost is asked to price: the same strategies, and its own options as given. */
  readonly cost: CostRequest;
  /** Where to write: a file, or '-' for stdout. */
  readonly out: string;
  readonly format: 'html' | 'json';
}

export const REPORT_USAGE = `Usage: kmodsim-compare report [OPTIONS]

Checks the strategies against the scenario suite (as check does) and prices them (as cost does),
then writes one self-contained HTML page: the verdict matrix, each counterexample as a timeline
with a column per CPU, its replay command and Perfetto trace, and the cost charts. It needs no
network and no other file: open it from disk, or send it.

Options:
  --out FILE             where to write (default: kmodsim-report.html, or .json with --format json;
                         - for stdout). Written whole or not at all
  --format FORMAT        html (default) or json (the same data, for other tools to plot)
  --strategy NAME|FILE   a strategy by name, or a .js/.mjs file exporting one (repeatable; default: all)
  --scenario NAME        a scenario of the suite (repeatable; default: all)
  --workers N            search on N worker threads (as check's --workers)
  --memory MODEL         the machine's memory model the searches run on: sc (default), tso or
                         relaxed, as check's; the page and the summary line name it
  --preemptions K, --irqs K, --mode MODE, --seed S, --executions N, --max-executions N
                         the searches' bounds and mode, as check's
  --cpus LIST            the CPU counts to price, as cost's --cpus (the searches run on each
                         scenario's own CPUs)
  --profile NAME         the machine profile to price on, as cost's --profile
  -h, --help             show this help

Exit status: as check's: 0 when every verdict is as declared, 1 on any VIOLATION, MISSED,
INCOMPLETE or ERROR, or when the report cannot be written; 2 for usage errors.
`;

/** check's options the report passes on as given, each with a value. */
const CHECK_PASSED = ['strategy', 'scenario', 'workers', 'memory', 'preemptions', 'irqs', 'mode', 'seed', 'executions', 'max-executions'] as const;

const REPORT_OPTIONS: readonly OptionSpec[] = [
  ...[...CHECK_PASSED, 'cpus', 'profile', 'out', 'format'].map((long) => ({ long, takesArgument: true })),
  { short: 'h', long: 'help', takesArgument: false },
];

export function parseReportOptions(argv: readonly string[]): ReportOptions | 'help' {
  const parsed = parseCommandLine('kmodsim-compare report', argv, REPORT_OPTIONS);
  if (!parsed.ok) throw new OptionError(parsed.message);
  const { line } = parsed;
  if (line.has('help')) return 'help';
  if (line.operands.length > 0) throw new UsageError(`unexpected argument '${line.operands[0] ?? ''}'`);
  const format = line.value('format') ?? 'html';
  if (format !== 'html' && format !== 'json') throw new UsageError(`unknown format '${format}'; known: html, json`);
  const out = line.value('out') ?? `kmodsim-report.${format}`;
  if (out === '') throw new UsageError('--out needs a file name (or - for stdout)');
  // check reads its own options, so the report's searches are checked and bounded exactly as check's.
  const check = parseCheckOptions(CHECK_PASSED.flatMap((name) => line.values(name).flatMap((value) => [`--${name}`, value])));
  if (check === 'help') return 'help';
  return { check, cost: { strategies: check.strategies, cpus: line.value('cpus'), profile: line.value('profile') }, out, format };
}
