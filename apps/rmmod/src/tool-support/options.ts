import { parseCommandLine, type CliIo, type CommandLine, type OptionSpec } from '@kmodsim/cli';

// Options as kmod's tools read them (GNU getopt_long), plus --machine, which every tool here
// takes to say which simulated machine it acts on.

export const MACHINE_OPTION: OptionSpec = { short: 'M', long: 'machine', takesArgument: true };
export const JSON_OPTION: OptionSpec = { short: 'J', long: 'json', takesArgument: false };
export const HELP_OPTION: OptionSpec = { short: 'h', long: 'help', takesArgument: false };

export const VERSION_TEXT = 'kmodsim 0.1.0 (kmod-compatible tools on a simulated machine)\n';

/** -V, -h and --machine, which every kmod tool here takes. */
const COMMON_OPTIONS: readonly OptionSpec[] = [{ short: 'V', long: 'version', takesArgument: false }, HELP_OPTION, MACHINE_OPTION];

/**
 * A kmod tool's command line: getopt's complaint and kmod's (exit 1) for an unknown option, or
 * the help or version text (exit 0); else the parsed line for the tool to act on.
 */
export function parseKmodTool(
  io: CliIo, program: string, argv: readonly string[], specs: readonly OptionSpec[], usage: string,
): { readonly ok: true; readonly line: CommandLine } | { readonly ok: false; readonly status: number } {
  const parsed = parseCommandLine(program, argv, [...specs, ...COMMON_OPTIONS]);
  if (!parsed.ok) {
    io.stderr.write(`${parsed.message}${program}: ERROR: unexpected getopt_long() value '?'.\n`);
    return { ok: false, status: 1 };
  }
  if (parsed.line.has('h') || parsed.line.has('V')) {
    io.stdout.write(parsed.line.has('h') ? usage : VERSION_TEXT);
    return { ok: false, status: 0 };
  }
  return parsed;
}
