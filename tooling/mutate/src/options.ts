import { asksForHelp, parseCommandLine, type OptionSpec } from '@kmodsim/cli';

// `kmodsim-mutate` arguments.

export interface MutateOptions {
  readonly workers: number;
  readonly strategies: readonly string[];
  readonly only: readonly string[];
  readonly seconds?: number;
  readonly limit?: number;
  readonly json: boolean;
  readonly list: boolean;
  readonly quiet: boolean;
  readonly baselineFile?: string;
  readonly resultsFile?: string;
  readonly recheckEquivalents: boolean;
}

export const USAGE = `usage: kmodsim-mutate [--workers N] [--strategy NAME]... [--mutant ID]... [--seconds S] [--limit N] [--baseline FILE] [--results FILE] [--recheck-equivalents] [--list] [--json] [--quiet]

Mutates every sound refcount strategy's source and runs each mutant against the whole scenario
suite; a mutant is killed when a verdict differs from the unmutated strategy's. Prints every
mutant with what killed it, and suite.mutation = killed / non-equivalent (equivalent.json).

  --workers N      worker threads (default 2)
  --strategy NAME  only the files of this sound strategy, checked against it (repeatable)
  --mutant ID      only this mutant (repeatable)
  --seconds S      start no mutant after S seconds (the rest are NOT RUN)
  --limit N        at most N mutants
  --baseline FILE  keep the unmutated strategies' verdicts in FILE and reuse them while the
                   strategies' sources are unchanged (delete it when the suite changes)
  --results FILE   keep each mutant's outcome in FILE as it finishes, and take those FILE holds
                   for the same sources instead of running them again: a campaign cut short
                   goes on where it stopped (delete it when the suite changes)
  --recheck-equivalents
                   run the mutants recorded in equivalent.json too (skipped otherwise), and
                   say which of them the suite now kills
  --list           list the mutants and exit
  --json           one JSON line per mutant, then a summary line
  --quiet          no progress on stderr
`;

export const PROGRAM = 'kmodsim-mutate';

const SPECS: readonly OptionSpec[] = [
  { long: 'workers', takesArgument: true },
  { long: 'strategy', takesArgument: true },
  { long: 'mutant', takesArgument: true },
  { long: 'seconds', takesArgument: true },
  { long: 'limit', takesArgument: true },
  { long: 'baseline', takesArgument: true },
  { long: 'results', takesArgument: true },
  { long: 'recheck-equivalents', takesArgument: false },
  { long: 'list', takesArgument: false },
  { long: 'json', takesArgument: false },
  { long: 'quiet', takesArgument: false },
  { short: 'h', long: 'help', takesArgument: false },
];

/**
 * The command line read: options to run with, a request for the usage, getopt's own line for an
 * option it cannot read (unknown, ambiguous, missing its value), or one line on a value that
 * makes no sense.
 */
export type ParsedOptions =
  | { readonly kind: 'run'; readonly options: MutateOptions }
  | { readonly kind: 'help' }
  | { readonly kind: 'option-error'; readonly message: string }
  | { readonly kind: 'usage-error'; readonly problem: string };

class BadValue extends Error {}

function positive(text: string | undefined, name: string, whole: boolean): number | undefined {
  if (text === undefined) return undefined;
  const value = text.trim() === '' ? Number.NaN : Number(text);
  if (!Number.isFinite(value) || value <= 0 || (whole && !Number.isInteger(value))) throw new BadValue(`--${name} takes a positive ${whole ? 'whole ' : ''}number, not '${text}'`);
  return value;
}

export function parseOptions(argv: readonly string[]): ParsedOptions {
  if (asksForHelp(argv)) return { kind: 'help' };
  const parsed = parseCommandLine(PROGRAM, argv, SPECS);
  if (!parsed.ok) return { kind: 'option-error', message: parsed.message };
  const { line } = parsed;
  const [operand] = line.operands;
  if (operand !== undefined) return { kind: 'usage-error', problem: `unexpected argument '${operand}' (mutants are chosen with --strategy and --mutant)` };
  const baseline = line.value('baseline');
  if (baseline === '') return { kind: 'usage-error', problem: '--baseline takes a file name, not an empty one' };
  const results = line.value('results');
  if (results === '') return { kind: 'usage-error', problem: '--results takes a file name, not an empty one' };
  try {
    const workers = positive(line.value('workers'), 'workers', true);
    const seconds = positive(line.value('seconds'), 'seconds', false);
    const limit = positive(line.value('limit'), 'limit', true);
    return {
      kind: 'run',
      options: {
        workers: workers ?? 2,
        strategies: line.values('strategy'),
        only: line.values('mutant'),
        ...(seconds === undefined ? {} : { seconds }),
        ...(limit === undefined ? {} : { limit }),
        json: line.has('json'),
        list: line.has('list'),
        quiet: line.has('quiet'),
        recheckEquivalents: line.has('recheck-equivalents'),
        ...(baseline === undefined ? {} : { baselineFile: baseline }),
        ...(results === undefined ? {} : { resultsFile: results }),
      },
    };
  } catch (error) {
    if (error instanceof BadValue) return { kind: 'usage-error', problem: error.message };
    throw error;
  }
}

/** Why the chosen strategies cannot be mutated (one is not among the sound ones), or undefined. */
export function strategyProblem(wanted: readonly string[], sound: readonly string[]): string | undefined {
  const unknown = [...new Set(wanted.filter((name) => !sound.includes(name)))];
  if (unknown.length === 0) return undefined;
  return `${unknown.map((name) => `'${name}'`).join(', ')} ${unknown.length === 1 ? 'is not a sound strategy' : 'are not sound strategies'} (sound: ${sound.join(', ')})`;
}

/**
 * One line for each --mutant id that is not a mutant of the selected files (a typo would
 * otherwise run nothing and score a perfect 1.000), with the ids closest to it, if any are close.
 */
export function mutantProblems(wanted: readonly string[], known: readonly string[]): string[] {
  const unknown = [...new Set(wanted.filter((id) => !known.includes(id)))];
  return unknown.map((id) => {
    const close = closest(id, known);
    const hint = close.length === 0 ? '' : `; did you mean ${close.map((near) => `'${near}'`).join(' or ')}?`;
    return `no mutant '${id}' in the selected strategies' files${hint}`;
  });
}

/** At most three ids a few edits from `id` (or ending with it), nearest first. */
function closest(id: string, known: readonly string[]): string[] {
  const most = Math.max(2, Math.floor(id.length / 4));
  return known
    .map((candidate) => ({ candidate, distance: candidate.endsWith(id) ? 0 : editDistance(id, candidate, most) }))
    .filter((entry) => entry.distance <= most)
    .sort((a, b) => a.distance - b.distance || a.candidate.localeCompare(b.candidate))
    .slice(0, 3)
    .map((entry) => entry.candidate);
}

/** Levenshtein distance, or more than `most` once it is sure to be. */
function editDistance(a: string, b: string, most: number): number {
  if (Math.abs(a.length - b.length) > most) return most + 1;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    if (Math.min(...current) > most) return most + 1;
    previous = current;
  }
  return previous[b.length] ?? most + 1;
}
