// Command-line parsing the way GNU getopt_long does it for kmod's tools: short options may be
// clustered (-0F alias) and take their argument attached or as the next word; long options take
// `--name=value` or `--name value`; operands may come anywhere and `--` ends the options.
// Messages match glibc's, so a mistyped option reads as it does with kmod.

export interface OptionSpec {
  /** The letter of `-x`; none for an option that is only ever spelled out. */
  readonly short?: string;
  readonly long: string;
  readonly takesArgument: boolean;
}

/** One option as given, named both ways (whichever way the user spelled it). */
export interface ParsedOption {
  readonly short?: string;
  readonly long: string;
  readonly argument?: string;
}

export type GetoptResult =
  | { readonly ok: true; readonly options: readonly ParsedOption[]; readonly operands: readonly string[] }
  | { readonly ok: false; readonly message: string };

export function getopt(program: string, argv: readonly string[], specs: readonly OptionSpec[]): GetoptResult {
  const options: ParsedOption[] = [];
  const operands: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i] ?? '';
    if (word === '--') {
      operands.push(...argv.slice(i + 1));
      break;
    }
    if (word.startsWith('--')) {
      const [name, inline] = splitOnce(word.slice(2), '=');
      const matches = specs.filter((s) => s.long === name || s.long.startsWith(name));
      const spec = matches.find((s) => s.long === name) ?? (matches.length === 1 ? matches[0] : undefined);
      if (spec === undefined) {
        return { ok: false, message: matches.length > 1 ? `${program}: option '--${name}' is ambiguous\n` : `${program}: unrecognized option '--${name}'\n` };
      }
      if (!spec.takesArgument) {
        if (inline !== undefined) return { ok: false, message: `${program}: option '--${spec.long}' doesn't allow an argument\n` };
        options.push(named(spec));
        continue;
      }
      const argument = inline ?? argv[++i];
      if (argument === undefined) return { ok: false, message: `${program}: option '--${spec.long}' requires an argument\n` };
      options.push(named(spec, argument));
      continue;
    }
    if (!word.startsWith('-') || word === '-') {
      operands.push(word);
      continue;
    }
    for (let at = 1; at < word.length; at++) {
      const letter = word.charAt(at);
      const spec = specs.find((s) => s.short === letter);
      if (spec === undefined) return { ok: false, message: `${program}: invalid option -- '${letter}'\n` };
      if (!spec.takesArgument) {
        options.push(named(spec));
        continue;
      }
      const argument = at + 1 < word.length ? word.slice(at + 1) : argv[++i];
      if (argument === undefined) return { ok: false, message: `${program}: option requires an argument -- '${letter}'\n` };
      options.push(named(spec, argument));
      break;
    }
  }
  return { ok: true, options, operands };
}

function named(spec: OptionSpec, argument?: string): ParsedOption {
  return { long: spec.long, ...(spec.short === undefined ? {} : { short: spec.short }), ...(argument === undefined ? {} : { argument }) };
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const at = text.indexOf(separator);
  return at < 0 ? [text, undefined] : [text.slice(0, at), text.slice(at + 1)];
}
