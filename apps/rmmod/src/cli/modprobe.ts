import { moduleNameFromPath } from '@kmodsim/linker';
import type { CliIo } from './io.js';
import { modprobeStrerror } from '../kmod-text/errors.js';
import { modprobeRemoveMessage } from '../kmod-text/rmmod-messages.js';
import { checkMachineDir, openMachine } from '../machine-store/machine-store.js';
import { machineDirFrom } from '../machine-store/location.js';
import type { ImageRef } from '../machine-store/records.js';
import { depmodDirOf, moduleDirOf } from '../simulation/kernel-files.js';
import { runCommand } from '../simulation/operations.js';
import { readModuleFile } from '../tool-support/module-file.js';
import { moduleArgument } from '../tool-support/module-names.js';
import { loadOrder, readModulesDep, type DepEntry } from '../tool-support/modules-dep.js';
import { parseKmodTool, type ParsedCommandLine } from '../tool-support/options.js';
import { reportStoreError } from '../tool-support/report.js';

// modprobe [-r] [--show-depends] MODULE [param=value ...]: a module and what it needs, through
// the machine's module tree and the modules.dep depmod computed for it at boot.

const USAGE = `Usage:
\tmodprobe [options] modulename [module parameters...]
\tmodprobe [options] -r modulename
Options:
\t-r, --remove                Remove modules instead of inserting
\t-D, --show-depends          Only print module dependencies and exit
\t-n, --dry-run               Do not execute operations, just print out
\t-q, --quiet                 disable messages
\t-v, --verbose               enables more messages
\t-V, --version               show version
\t-h, --help                  show this help
\t-M, --machine DIR           the simulated machine (default: $KMODSIM_MACHINE)
`;

const OPTIONS = [
  { short: 'r', long: 'remove', takesArgument: false },
  { short: 'D', long: 'show-depends', takesArgument: false },
  { short: 'n', long: 'dry-run', takesArgument: false },
  { short: 'q', long: 'quiet', takesArgument: false },
  { short: 'v', long: 'verbose', takesArgument: false },
];

export function main(argv: readonly string[], io: CliIo): Promise<number> {
  return Promise.resolve(modprobe(argv, io));
}

function modprobe(argv: readonly string[], io: CliIo): number {
  const parsed = parseKmodTool(io, 'modprobe', argv, OPTIONS, USAGE);
  if (!parsed.ok) return parsed.status;
  const { line } = parsed;
  const [operand, ...params] = line.operands;
  if (operand === undefined) {
    io.stderr.write('modprobe: ERROR: missing parameters. See -h.\n');
    return 1;
  }
  const argument = moduleArgument(operand);
  if (!argument.ok || argument.name.includes('/')) {
    io.stderr.write(`modprobe: FATAL: Module ${operand} not found.\n`);
    return 1;
  }
  const dir = machineDirFrom(line.value('M'), io.env);
  const machine = openMachine(dir);
  if (!machine.ok) return reportStoreError(io, 'modprobe', machine.error);
  const { kernel } = machine.value.config;
  const moduleDir = moduleDirOf(dir, kernel);
  const entry = readModulesDep(depmodDirOf(dir, kernel), moduleDir)?.get(argument.name);
  if (line.has('r')) return remove(io, dir, argument.name, entry, line);
  if (entry === undefined) {
    io.stderr.write(`modprobe: FATAL: Module ${argument.name} not found in directory ${moduleDir}\n`);
    return 1;
  }
  if (line.has('D') || line.has('n')) {
    for (const path of loadOrder(entry)) io.stdout.write(`insmod ${path} ${path === entry.path ? params.join(' ') : ''}\n`);
    return 0;
  }
  return insert(io, dir, entry, params, line);
}

function insert(io: CliIo, dir: string, entry: DepEntry, params: readonly string[], line: ParsedCommandLine): number {
  const images: ImageRef[] = [];
  for (const path of loadOrder(entry)) {
    const read = readModuleFile(path, dir);
    if (!read.ok) {
      io.stderr.write(`modprobe: ERROR: could not insert '${entry.name}': ${read.stage === 'read' ? read.strerror : 'Invalid module format'}\n`);
      return 1;
    }
    if (line.has('v')) io.stdout.write(`insmod ${path} ${path === entry.path ? params.join(' ') : ''}\n`);
    images.push(read.ref);
  }
  const applied = runCommand(dir, 'modprobe', Date.now(), () => ({
    kind: 'insmod', tool: 'modprobe', images, params, skipLoaded: true, force: { ignoreVermagic: false, ignoreModversions: false },
  }));
  if (!applied.ok) return reportStoreError(io, 'modprobe', applied.error);
  if ('refused' in applied.value) {
    io.stderr.write(`modprobe: ERROR: ${applied.value.refused}\n`);
    return 1;
  }
  const outcome = applied.value.outcome;
  const failed = outcome.kind === 'insmod' ? outcome.results.find((result) => result.result.kind === 'failed') : undefined;
  if (failed?.result.kind !== 'failed') return 0;
  if (!line.has('q')) io.stderr.write(`modprobe: ERROR: could not insert '${failed.name}': ${modprobeStrerror(failed.result.errno)}\n`);
  return 1;
}

function remove(io: CliIo, dir: string, name: string, entry: DepEntry | undefined, line: ParsedCommandLine): number {
  const problem = checkMachineDir(dir);
  if (problem !== undefined) return reportStoreError(io, 'modprobe', problem);
  const deps = entry?.deps.map(moduleNameFromPath) ?? [];
  const applied = runCommand(dir, 'modprobe -r', Date.now(), () => ({ kind: 'rmmod', tool: 'modprobe', names: [name], wait: false, force: false, thenIfUnused: deps }));
  if (!applied.ok) return reportStoreError(io, 'modprobe', applied.error);
  if ('refused' in applied.value) {
    io.stderr.write(`modprobe: ERROR: ${applied.value.refused}\n`);
    return 1;
  }
  const outcome = applied.value.outcome;
  let status = 0;
  for (const { name: removed, result } of outcome.kind === 'rmmod' ? outcome.results : []) {
    const message = modprobeRemoveMessage(removed, result);
    if (message === undefined) continue;
    if (!line.has('q')) io.stderr.write(message);
    status = 1;
  }
  return status;
}
