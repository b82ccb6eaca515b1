import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { release } from 'node:os';
import { resolve } from 'node:path';
import { computeDepmod } from '@kmodsim/linker';
import { walkModuleTree } from '@kmodsim/machine';
import type { CliIo } from '@kmodsim/cli';
import { getopt, type OptionSpec } from '@kmodsim/cli';
import { strerror, type Result } from '@kmodsim/cpu';
import { VERSION_TEXT } from '../tool-support/options.js';
import { loadSymvers, loadSystemMap, type KernelSymbols } from '../depmod/kernel-symbols.js';
import { readTreeFile, treeFileOpenWarning } from '../depmod/tree-files.js';
import { modulesDepUpToDate } from '../depmod/up-to-date.js';

// depmod [-A] [-b BASEDIR] [-E Module.symvers | -F System.map] [-e] [-n] [VERSION]: kmod's
// interface, files and messages. It writes modules.dep, modules.alias, modules.softdep,
// modules.symbols and modules.devname (not kmod's binary .bin indexes) into
// BASEDIR/lib/modules/VERSION.

/** The lists of built-in modules kmod's depmod turns into indexes, in the order it opens them. */
const BUILTIN_LISTS = ['modules.builtin', 'modules.builtin.modinfo'];

const OPTIONS: readonly OptionSpec[] = [
  { short: 'a', long: 'all', takesArgument: false },
  { short: 'A', long: 'quick', takesArgument: false },
  { short: 'b', long: 'basedir', takesArgument: true },
  { short: 'E', long: 'symvers', takesArgument: true },
  { short: 'F', long: 'filesyms', takesArgument: true },
  { short: 'e', long: 'errsyms', takesArgument: false },
  { short: 'n', long: 'show', takesArgument: false },
  { short: 'n', long: 'dry-run', takesArgument: false },
  { short: 'v', long: 'verbose', takesArgument: false },
  { short: 'V', long: 'version', takesArgument: false },
  { short: 'h', long: 'help', takesArgument: false },
];

const USAGE = `Usage:
\tdepmod -[aA] [options] [forced_version]

If no arguments (except options) are given, "depmod -a" is assumed

depmod will output a dependency list suitable for the modprobe utility.

Options:
\t-a, --all            Probe all modules
\t-A, --quick          Only does the work if there's a new module
\t-e, --errsyms        Report not supplied symbols
\t-n, --show           Write the dependency file on stdout only
\t-v, --verbose        Enable verbose mode
\t-V, --version        show version
\t-h, --help           show this help

The following options are useful for people managing distributions:
\t-b, --basedir=DIR    Use an image of a module tree.
\t-F, --filesyms=FILE  Use the file instead of the
\t                     current kernel symbols.
\t-E, --symvers=FILE   Use Module.symvers file to check
\t                     symbol versions.
`;

interface Settings {
  basedir: string;
  symvers?: string | undefined;
  systemMap?: string | undefined;
  printUnknown: boolean;
  show: boolean;
  quick: boolean;
}

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = getopt('depmod', argv, OPTIONS);
  if (!parsed.ok) {
    io.stderr.write(parsed.message);
    return 1;
  }
  const settings: Settings = { basedir: '', printUnknown: false, show: false, quick: false };
  for (const { short, argument } of parsed.options) {
    if (short === 'h') {
      io.stdout.write(USAGE);
      return 0;
    }
    if (short === 'V') {
      io.stdout.write(VERSION_TEXT);
      return 0;
    }
    if (short === 'b' && argument !== undefined) settings.basedir = resolve(argument);
    else if (short === 'E') settings.symvers = argument;
    else if (short === 'F') settings.systemMap = argument;
    else if (short === 'e') settings.printUnknown = true;
    else if (short === 'n') settings.show = true;
    else if (short === 'A') settings.quick = true;
  }
  const [version, ...extra] = parsed.operands;
  if (version !== undefined && !/^\d+\.\d+/.test(version)) {
    io.stderr.write(`depmod: ERROR: Bad version passed ${version}\n`);
    return 1;
  }
  if (extra.length > 0) {
    io.stderr.write('depmod: ERROR: listing module files is not supported; depmod scans the whole version directory\n');
    return 1;
  }
  return depmod(`${settings.basedir}/lib/modules/${version ?? release()}`, settings, io);
}

function kernelSymbols(settings: Settings, io: CliIo): Result<KernelSymbols> | undefined {
  const file = settings.symvers ?? settings.systemMap;
  if (file === undefined) {
    if (settings.printUnknown) io.stderr.write('depmod: WARNING: -e needs -E or -F\n');
    settings.printUnknown = false;
    return undefined;
  }
  const loaded = settings.symvers !== undefined ? loadSymvers(file) : loadSystemMap(file);
  if (!loaded.ok) io.stderr.write(`depmod: FATAL: could not load ${file}: ${strerror(loaded.errno)}\n`);
  else for (const error of loaded.value.errors) io.stderr.write(`depmod: ERROR: ${error}\n`);
  return loaded;
}

/** -A: kmod's quick check, made before anything else is read. True: nothing needs doing. */
function upToDate(moduleDir: string, settings: Settings, io: CliIo): boolean {
  if (!settings.quick) return false;
  // kmod's depmod -A -n ends here, in silence: its quick mode only ever brings files on disk up to date.
  if (settings.show) return true;
  const quick = modulesDepUpToDate(moduleDir);
  for (const error of quick.errors) io.stderr.write(`depmod: ERROR: ${error}\n`);
  return quick.upToDate;
}

/** modules.order's lines, or kmod's warning that it is missing (modules.dep then lists modules in the order found). */
function readModulesOrder(moduleDir: string, io: CliIo): string[] | undefined {
  const order = readTreeFile(moduleDir, 'modules.order');
  if (!order.ok) {
    io.stderr.write(`depmod: WARNING: ${order.warning}\n`);
    return undefined;
  }
  const lines = order.text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

async function depmod(moduleDir: string, settings: Settings, io: CliIo): Promise<number> {
  if (upToDate(moduleDir, settings, io)) return 0;
  const symbols = kernelSymbols(settings, io);
  if (symbols !== undefined && !symbols.ok) return 1;
  if (!existsSync(moduleDir)) {
    io.stderr.write(`depmod: ERROR: could not open directory ${moduleDir}: No such file or directory\n`);
    io.stderr.write('depmod: FATAL: could not search modules: No such file or directory\n');
    return 1;
  }
  const walked = await walkModuleTree(moduleDir);
  // kmod reads modules.order before it reads the modules' symbols, so its warning comes first.
  const orderLines = readModulesOrder(moduleDir, io);
  for (const error of walked.errors) io.stderr.write(`depmod: ERROR: ${error}\n`);
  const output = computeDepmod({
    modules: walked.modules,
    ...(orderLines !== undefined ? { modulesOrder: orderLines } : {}),
    ...(symbols?.ok === true ? { kernelSymbols: symbols.value.symbols } : {}),
    checkSymvers: settings.symvers !== undefined,
    printUnknown: settings.printUnknown,
  });
  for (const warning of output.warnings) io.stderr.write(`depmod: WARNING: ${warning}\n`);
  if (output.cycleError !== undefined) {
    io.stderr.write(`depmod: ERROR: ${output.cycleError}\n`);
    return 1;
  }
  if (settings.show) {
    for (const file of output.files) io.stdout.write(file.contents);
    return 0;
  }
  // kmod opens these while it writes modules.builtin.bin and modules.builtin.alias.bin (on disk
  // only, not for -n): each that does not open is a warning there, and the index is left out.
  for (const name of BUILTIN_LISTS) {
    const warning = treeFileOpenWarning(moduleDir, name);
    if (warning !== undefined) io.stderr.write(`depmod: WARNING: ${warning}\n`);
  }
  mkdirSync(moduleDir, { recursive: true });
  for (const file of output.files) {
    // Write beside the target and rename, so a reader never sees half a file.
    const temporary = `${moduleDir}/${file.name}.${process.pid}.tmp`;
    writeFileSync(temporary, file.contents, 'latin1');
    renameSync(temporary, `${moduleDir}/${file.name}`);
  }
  return 0;
}
