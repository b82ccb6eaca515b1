import { getopt, type OptionSpec, type ParsedOption } from './getopt.js';

// A parsed command line a tool can ask questions of: was an option given, with what value (the
// last one wins, as with getopt loops that overwrite), or every value of a repeatable option.
// An option is asked for by its long name or its letter.

export interface CommandLine {
  readonly options: readonly ParsedOption[];
  readonly operands: readonly string[];
  has(name: string): boolean;
  value(name: string): string | undefined;
  values(name: string): string[];
}

export type ParsedCommandLine = { readonly ok: true; readonly line: CommandLine } | { readonly ok: false; readonly message: string };

export function parseCommandLine(program: string, argv: readonly string[], specs: readonly OptionSpec[]): ParsedCommandLine {
  const parsed = getopt(program, argv, specs);
  if (!parsed.ok) return parsed;
  const { options, operands } = parsed;
  const matching = (name: string): ParsedOption[] => options.filter((option) => option.long === name || option.short === name);
  return {
    ok: true,
    line: {
      options,
      operands,
      has: (name) => matching(name).length > 0,
      value: (name) => matching(name).at(-1)?.argument,
      values: (name) => matching(name).flatMap((option) => (option.argument === undefined ? [] : [option.argument])),
    },
  };
}
