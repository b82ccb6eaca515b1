import { machineLocation } from '@kmodsim/machine';
import type { CliIo } from '../cli/io.js';
import { parseCommandLine, type Options } from './command-line.js';
import { usageError } from './usage.js';
import { reportStoreError } from '../tool-support/report.js';

// The kmodsim subcommands that act on a machine: their options with -M/--machine (as rmmod,
// insmod and lsmod take it) and -h/--help added, and a usage error (exit 2) for anything that
// cannot be read.

export interface MachineArgs {
  readonly dir: string;
  readonly positionals: readonly string[];
  string(name: string): string | undefined;
  flag(name: string): boolean;
}

export type ParsedMachineArgs = { readonly ok: true; readonly args: MachineArgs } | { readonly ok: false; readonly status: number };

export function parseMachineArgs(io: CliIo, command: string, argv: readonly string[], options: Options, usage: string): ParsedMachineArgs {
  const parsed = parseCommandLine(argv, { ...options, machine: { type: 'string', short: 'M' }, help: { type: 'boolean', short: 'h' } });
  if (!parsed.ok) return { ok: false, status: usageError(io, command, `${parsed.problem}\n${usage.trimEnd()}`) };
  const { values, positionals } = parsed;
  if (values['help'] === true) {
    io.stdout.write(usage);
    return { ok: false, status: 0 };
  }
  const string = (name: string): string | undefined => {
    const value = values[name];
    return typeof value === 'string' ? value : undefined;
  };
  const where = machineLocation(string('machine'), io.env);
  if (!where.ok) return { ok: false, status: reportStoreError(io, `kmodsim ${command}`, where.error) };
  return { ok: true, args: { dir: where.dir, positionals, string, flag: (name) => values[name] === true } };
}
