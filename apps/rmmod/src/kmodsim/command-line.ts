import { parseArgs, type ParseArgsConfig } from 'node:util';

// Node's parseArgs, read the way getopt_long reads a command line (as kmod's tools do): an
// option that takes a value takes the next argument whatever it starts with. parseArgs refuses
// `--cpus -1` as "ambiguous" in three lines of advice; here the value reaches the command, which
// names the option and the value in one line ("--cpus takes ..., not '-1'").

export type Options = NonNullable<ParseArgsConfig['options']>;
export type Values = Readonly<Record<string, string | boolean | (string | boolean)[] | undefined>>;

export type ParsedCommandLine =
  | { readonly ok: true; readonly values: Values; readonly positionals: string[] }
  | { readonly ok: false; readonly problem: string };

export function parseCommandLine(argv: readonly string[], options: Options): ParsedCommandLine {
  try {
    const { values, positionals } = parseArgs({ args: attachDashValues(argv, options), options, allowPositionals: true, strict: true });
    return { ok: true, values, positionals };
  } catch (error) {
    // parseArgs' errors are the user's command line; its first sentence says what is wrong.
    return { ok: false, problem: (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '' };
  }
}

/** `--cpus -1` → `--cpus=-1`, `-M -x` → `-M-x`: a value that starts with a dash, attached to its option. */
function attachDashValues(argv: readonly string[], options: Options): string[] {
  const out: string[] = [];
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index] ?? '';
    const next = argv[index + 1];
    if (arg === '--') return [...out, ...argv.slice(index)];
    if (next !== undefined && next.startsWith('-') && takesValue(arg, options)) {
      out.push(arg.startsWith('--') ? `${arg}=${next}` : `${arg}${next}`);
      index++;
    } else out.push(arg);
  }
  return out;
}

function takesValue(arg: string, options: Options): boolean {
  if (arg.startsWith('--')) return options[arg.slice(2)]?.type === 'string';
  if (arg.length !== 2 || !arg.startsWith('-')) return false;
  return Object.values(options).some((option) => option.short === arg[1] && option.type === 'string');
}
