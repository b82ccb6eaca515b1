import { release } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { builtinModinfo, isModuleFile, lookupModule, machineLocation, machineTree, openMachine, type LookupDirs, type LookupHit, type StoreError } from '@kmodsim/machine';
import type { CliIo } from '@kmodsim/cli';
import { getopt, type OptionSpec } from '@kmodsim/cli';
import { strerror } from '@kmodsim/cpu';
import { formatInfo, paramWarnings } from '../modinfo/format.js';
import { readInfo } from '../modinfo/read-info.js';
import { MACHINE_OPTION } from '../tool-support/options.js';
import { reportStoreError } from '../tool-support/report.js';

// modinfo [-F FIELD] [-0] [-k VERSION] [-b BASEDIR] MODULE|FILE..., with kmod's options,
// output and messages.

const OPTIONS: readonly OptionSpec[] = [
  { short: 'a', long: 'author', takesArgument: false },
  { short: 'd', long: 'description', takesArgument: false },
  { short: 'l', long: 'license', takesArgument: false },
  { short: 'p', long: 'parameters', takesArgument: false },
  { short: 'n', long: 'filename', takesArgument: false },
  { short: '0', long: 'null', takesArgument: false },
  { short: 'm', long: 'modname', takesArgument: false },
  { short: 'F', long: 'field', takesArgument: true },
  { short: 'k', long: 'set-version', takesArgument: true },
  { short: 'b', long: 'basedir', takesArgument: true },
  { short: 'V', long: 'version', takesArgument: false },
  { short: 'h', long: 'help', takesArgument: false },
  MACHINE_OPTION,
];

const USAGE = `Usage:
\tmodinfo [options] <modulename|filename> [args]
Options:
\t-a, --author                Print only 'author'
\t-d, --description           Print only 'description'
\t-l, --license               Print only 'license'
\t-p, --parameters            Print only 'parm'
\t-n, --filename              Print only 'filename'
\t-0, --null                  Use \\0 instead of \\n
\t-m, --modname               Handle argument as module name instead of alias or filename
\t-F, --field=FIELD           Print only provided FIELD
\t-k, --set-version=VERSION   Use VERSION instead of \`uname -r\`
\t-b, --basedir=DIR           Use DIR as filesystem root for /lib/modules
\t-V, --version               Show version
\t-h, --help                  Show this help
\t-M, --machine DIR           the simulated machine's modules (default: $KMODSIM_MACHINE,
\t                            unless -k or -b says where to look)
`;

const FIELD_OF_OPTION: Readonly<Record<string, string>> = { a: 'author', d: 'description', l: 'license', p: 'parm', n: 'filename' };

interface Settings {
  field?: string | undefined;
  separator: string;
  byName: boolean;
  version?: string | undefined;
  basedir?: string | undefined;
  machine?: string | undefined;
}

export function main(argv: readonly string[], io: CliIo): Promise<number> {
  return Promise.resolve(run(argv, io));
}

function run(argv: readonly string[], io: CliIo): number {
  const parsed = getopt('modinfo', argv, OPTIONS);
  if (!parsed.ok) {
    io.stderr.write(parsed.message);
    return 1;
  }
  const settings: Settings = { separator: '\n', byName: false };
  for (const { short = '', argument } of parsed.options) {
    if (short === 'h') {
      io.stdout.write(USAGE);
      return 0;
    }
    if (short === 'V') {
      io.stdout.write('kmodsim modinfo (kmod 30 compatible)\n');
      return 0;
    }
    if (short in FIELD_OF_OPTION) settings.field = FIELD_OF_OPTION[short];
    else if (short === 'F') settings.field = argument;
    else if (short === '0') settings.separator = '\0';
    else if (short === 'm') settings.byName = true;
    else if (short === 'k') settings.version = argument;
    else if (short === 'b') settings.basedir = argument;
    else if (short === 'M') settings.machine = argument;
  }
  if (parsed.operands.length === 0) {
    io.stderr.write('modinfo: ERROR: missing module or filename.\n');
    return 1;
  }
  let failed = false;
  // The module directory is found only when a name needs looking up: a file needs no machine.
  let dirs: LookupDirs | undefined;
  for (const argument of parsed.operands) {
    const isFile = !settings.byName && isModuleFile(argument);
    if (!isFile && dirs === undefined) {
      const found = lookupDirs(settings, io);
      if ('errno' in found) return reportStoreError(io, 'modinfo', found);
      dirs = found;
    }
    const hits: LookupHit[] = isFile || dirs === undefined ? [{ kind: 'file', name: argument, path: argument }] : lookupModule(dirs, argument);
    if (hits.length === 0) {
      io.stderr.write(`modinfo: ERROR: Module ${argument} not found.\n`);
      failed = true;
      continue;
    }
    for (const hit of hits) if (!showModule(hit, settings, dirs?.moduleDir ?? '', io)) failed = true;
  }
  return failed ? 1 : 0;
}

/**
 * Where modules are looked up: -b and -k name a module directory as kmod's modinfo does; else
 * the simulated machine's (--machine, else $KMODSIM_MACHINE), where lsmod and rmmod look too;
 * else this host's /lib/modules/`uname -r`.
 */
function lookupDirs(settings: Settings, io: CliIo): LookupDirs | StoreError {
  const machineDir = settings.machine ?? (settings.basedir === undefined && settings.version === undefined ? io.env['KMODSIM_MACHINE'] : undefined);
  // An empty -M goes on to machineLocation, which refuses it; an empty $KMODSIM_MACHINE is unset.
  if (machineDir === undefined || (machineDir === '' && settings.machine !== '')) {
    const moduleDir = `${settings.basedir ?? ''}/lib/modules/${settings.version ?? release()}`;
    return { moduleDir, depmodDir: moduleDir };
  }
  const where = machineLocation(machineDir, io.env);
  if (!where.ok) return where;
  const machine = openMachine(where.value);
  return machine.ok ? machineTree(machine.value.dir, machine.value.config) : machine;
}

function showModule(hit: LookupHit, settings: Settings, moduleDir: string, io: CliIo): boolean {
  const { field, separator } = settings;
  if (hit.kind === 'builtin') {
    if (field === undefined) io.stdout.write(`${'name:'.padEnd(16)}${hit.name}${separator}`);
    else if (field === 'name') io.stdout.write(`${hit.name}${separator}`);
    if (field === 'filename') {
      io.stdout.write(`(builtin)${separator}`);
      return true;
    }
    if (field === undefined) io.stdout.write(`${'filename:'.padEnd(16)}(builtin)${separator}`);
    const list = builtinModinfo(moduleDir, hit.name);
    if (list !== undefined) io.stdout.write(formatInfo(list, { separator, ...(field !== undefined ? { field } : {}) }));
    return true;
  }
  const path = isAbsolute(hit.path) ? hit.path : resolve(hit.path);
  if (field === 'filename') {
    io.stdout.write(`${path}${separator}`);
    return true;
  }
  // kmod prints the filename before it reads the file, so a file it cannot read still gets this line.
  if (field === undefined) io.stdout.write(`${'filename:'.padEnd(16)}${path}${separator}`);
  const info = readInfo(path);
  if (!info.ok) {
    const name = path.slice(path.lastIndexOf('/') + 1).split('.')[0]?.replaceAll('-', '_') ?? path;
    io.stderr.write(`modinfo: ERROR: could not get modinfo from '${name}': ${strerror(info.errno)}\n`);
    return false;
  }
  for (const warning of paramWarnings(info.value)) io.stderr.write(`modinfo: ERROR: ${warning}\n`);
  io.stdout.write(formatInfo(info.value, { separator, ...(field !== undefined ? { field } : {}) }));
  return true;
}
