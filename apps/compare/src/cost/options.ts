import { parseCommandLine, type OptionSpec } from '@kmodsim/cli';
import { MAX_CPUS, profiles, type ProfileName } from '@kmodsim/cpu';
import { OptionError, UsageError } from '../io.js';

/** The machine sizes priced when --cpus is not given: every power of two up to 1,024. */
export const DEFAULT_CPU_COUNTS: readonly number[] = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];

/** The profile calibrated from published figures (perfbook's), which the seed's argument is about. */
export const DEFAULT_PROFILE: ProfileName = 'xeon-8176-perfbook';

/** What cost is asked to price, as given: the report passes the same three on. */
export interface CostRequest {
  /** Names or files; none for every built-in strategy. */
  readonly strategies: readonly string[];
  /** --cpus as given (a comma-separated list), or undefined for the default sizes. */
  readonly cpus: string | undefined;
  /** --profile as given, or undefined for the calibrated one. */
  readonly profile: string | undefined;
}

export interface CostOptions {
  readonly request: CostRequest;
  readonly json: boolean;
}

export const COST_USAGE = `Usage: kmodsim-compare cost [OPTIONS]

Prices refcount strategies on the simulated machine: for each machine size, what a get+put costs
with every CPU, a quarter of them or one using the same module (and the share of time lost to
moving cache lines), an unload of an unused module (its latency, how long the other CPUs were
stopped, the longest window with interrupts off), rmmod --wait with users releasing one by one
(from the last put to the module freed), and the count's memory per module and for a tree of
4,000 modules. Figures are the cost model's cycles, turned into time by the profile's clock:
exact, and the same on every run.

Options:
  --strategy NAME|FILE   a strategy by name, or a .js/.mjs file exporting one (repeatable; default: all)
  --cpus LIST            machine sizes, comma-separated, 1-${MAX_CPUS} (default: ${DEFAULT_CPU_COUNTS.join(',')})
  --profile NAME         the machine profile that charges the cycles: ${Object.keys(profiles).join(', ')}
                         (default: ${DEFAULT_PROFILE}, calibrated from perfbook's measurements)
  --json                 one JSON object with every figure, in cycles and nanoseconds
  -h, --help             show this help

A strategy whose code faults (it throws, or the machine faults running it) gets an ERROR with the
reason, and the others their figures.
Exit status: 0 when every strategy was priced, 1 when any got an ERROR, 2 for usage errors.
`;

const COST_OPTIONS: readonly OptionSpec[] = [
  ...['strategy', 'cpus', 'profile'].map((long) => ({ long, takesArgument: true })),
  { long: 'json', takesArgument: false },
  { short: 'h', long: 'help', takesArgument: false },
];

export function parseCostOptions(argv: readonly string[]): CostOptions | 'help' {
  const parsed = parseCommandLine('kmodsim-compare cost', argv, COST_OPTIONS);
  if (!parsed.ok) throw new OptionError(parsed.message);
  const { line } = parsed;
  if (line.has('help')) return 'help';
  if (line.operands.length > 0) throw new UsageError(`unexpected argument '${line.operands[0] ?? ''}'`);
  const request = { strategies: line.values('strategy'), cpus: line.value('cpus'), profile: line.value('profile') };
  // Read now, so that a bad list or profile is a usage error before anything is priced.
  readCpuCounts(request.cpus);
  readProfile(request.profile);
  return { request, json: line.has('json') };
}

/** --cpus as a list of machine sizes, ascending, each once; the default sizes when not given. */
export function readCpuCounts(text: string | undefined): number[] {
  if (text === undefined) return [...DEFAULT_CPU_COUNTS];
  const counts = text.split(',').map((word) => {
    const count = Number(word);
    if (word.trim() === '' || !Number.isInteger(count) || count < 1 || count > MAX_CPUS) {
      throw new UsageError(`--cpus takes whole numbers from 1 to ${MAX_CPUS}, separated by commas, got '${text}'`);
    }
    return count;
  });
  return [...new Set(counts)].sort((a, b) => a - b);
}

/** --profile as a profile name; the calibrated one when not given. */
export function readProfile(text: string | undefined): ProfileName {
  if (text === undefined) return DEFAULT_PROFILE;
  if (!Object.hasOwn(profiles, text)) throw new UsageError(`unknown profile '${text}'; known: ${Object.keys(profiles).join(', ')}`);
  return text as ProfileName;
}
