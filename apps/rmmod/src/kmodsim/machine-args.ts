import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { CliIo } from '../cli/io.js';
import { machineDirFrom } from '../machine-store/location.js';
import { usageError } from './usage.js';

// The kmodsim subcommands that act on a machine: node's parseArgs with --machine and --help
// added to each, and a usage error (exit 2) for anything it cannot read.

type Options = NonNullable<ParseArgsConfig['options']>;
type Values = Readonly<Record<string, string | boolean | (string | boolean)[] | undefined>>;

export interface MachineArgs {
  readonly dir: string;
  readonly positionals: readonly string[];
  string(name: string): string | undefined;
  flag(name: string): boolean;
}

export type ParsedMachineArgs = { readonly ok: true; readonly args: MachineArgs } | { readonly ok: false; readonly status: number };

export function parseMachineArgs(io: CliIo, command: string, argv: readonly string[], options: Options, usage: string): ParsedMachineArgs {
  let values: Values;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: [...argv], options: { ...options, machine: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true }));
  } catch (error) {
    return { ok: false, status: usageError(io, command, `${error instanceof Error ? error.message : String(error)}\n${usage.trimEnd()}`) };
  }
  if (values['help'] === true) {
    io.stdout.write(usage);
    return { ok: false, status: 0 };
  }
  const string = (name: string): string | undefined => {
    const value = values[name];
    return typeof value === 'string' ? value : undefined;
  };
  return { ok: true, args: { dir: machineDirFrom(string('machine'), io.env), positionals, string, flag: (name) => values[name] === true } };
}
