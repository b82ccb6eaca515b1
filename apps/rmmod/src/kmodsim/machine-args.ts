import { asksForHelp, parseCommandLine, reportOptionError, reportUsageError, type CliIo, type OptionSpec } from '@kmodsim/cli';
import { machineLocation } from '@kmodsim/machine';
import { reportStoreError } from '../tool-support/report.js';
import { MACHINE_OPTION } from '../tool-support/options.js';

// The command lines of kmodsim's subcommands, read as getopt_long reads kmod's (an option that
// takes a value takes the next word, whatever it starts with). -h/--help anywhere prints the
// usage; those that act on a machine take -M/--machine as rmmod, insmod and lsmod do.

/** Options of kmodsim's subcommands are spelled out: `--cpus 4`, `--reboot`. */
export const withValue = (long: string): OptionSpec => ({ long, takesArgument: true });
export const flag = (long: string): OptionSpec => ({ long, takesArgument: false });

export interface SubcommandArgs {
  readonly positionals: readonly string[];
  string(name: string): string | undefined;
  flag(name: string): boolean;
}

export type ParsedSubcommand<T> = { readonly ok: true; readonly args: T } | { readonly ok: false; readonly status: number };

/** A subcommand's arguments, or its usage printed (exit 0) or getopt's complaint and the hint (exit 2). */
export function parseSubcommand(io: CliIo, command: string, argv: readonly string[], specs: readonly OptionSpec[], usage: string): ParsedSubcommand<SubcommandArgs> {
  if (asksForHelp(argv)) {
    io.stdout.write(usage);
    return { ok: false, status: 0 };
  }
  const program = `kmodsim ${command}`;
  const parsed = parseCommandLine(program, argv, [...specs, { short: 'h', long: 'help', takesArgument: false }]);
  if (!parsed.ok) return { ok: false, status: reportOptionError(io, program, parsed.message) };
  const { line } = parsed;
  return { ok: true, args: { positionals: line.operands, string: (name) => line.value(name), flag: (name) => line.has(name) } };
}

export interface MachineArgs extends SubcommandArgs {
  readonly dir: string;
}

/** A subcommand that acts on a machine: its arguments and the machine's directory. */
export function parseMachineArgs(io: CliIo, command: string, argv: readonly string[], specs: readonly OptionSpec[], usage: string): ParsedSubcommand<MachineArgs> {
  const parsed = parseSubcommand(io, command, argv, [...specs, MACHINE_OPTION], usage);
  if (!parsed.ok) return parsed;
  const where = machineLocation(parsed.args.string('machine'), io.env);
  if (!where.ok) return { ok: false, status: reportStoreError(io, `kmodsim ${command}`, where) };
  return { ok: true, args: { ...parsed.args, dir: where.value } };
}

/** A usage error of a kmodsim subcommand: `kmodsim COMMAND: ERROR: ...`, exit 2. */
export function usageError(io: CliIo, command: string, problem: unknown): number {
  return reportUsageError(io, `kmodsim ${command}`, problem);
}
