import { parseArgs } from 'node:util';

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
  readonly recheckEquivalents: boolean;
}

export const USAGE = `usage: kmodsim-mutate [--workers N] [--strategy NAME]... [--mutant ID]... [--seconds S] [--limit N] [--baseline FILE] [--recheck-equivalents] [--list] [--json] [--quiet]

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
  --recheck-equivalents
                   run the mutants recorded in equivalent.json too (skipped otherwise), and
                   say which of them the suite now kills
  --list           list the mutants and exit
  --json           one JSON line per mutant, then a summary line
  --quiet          no progress on stderr
`;

function positive(text: string | undefined, name: string): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} takes a positive number, not '${text}'`);
  return value;
}

export function parseOptions(argv: readonly string[]): MutateOptions | 'help' {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      workers: { type: 'string' }, strategy: { type: 'string', multiple: true }, mutant: { type: 'string', multiple: true },
      seconds: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' }, list: { type: 'boolean' }, quiet: { type: 'boolean' }, baseline: { type: 'string' }, 'recheck-equivalents': { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help === true) return 'help';
  const seconds = positive(values.seconds, '--seconds');
  const limit = positive(values.limit, '--limit');
  return {
    workers: Math.floor(positive(values.workers, '--workers') ?? 2),
    strategies: values.strategy ?? [],
    only: values.mutant ?? [],
    ...(seconds === undefined ? {} : { seconds }),
    ...(limit === undefined ? {} : { limit: Math.floor(limit) }),
    json: values.json === true,
    list: values.list === true,
    quiet: values.quiet === true,
    recheckEquivalents: values['recheck-equivalents'] === true,
    ...(values.baseline === undefined ? {} : { baselineFile: values.baseline }),
  };
}
