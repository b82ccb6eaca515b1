import { release } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import type { CliIo } from './io.js';
import { getopt, type OptionSpec } from '../modinfo/getopt.js';
import { formatInfo, paramWarnings } from '../modinfo/format.js';
import { builtinModinfo, isModuleFilename, lookupModule, type LookupHit } from '../modinfo/module-lookup.js';
import { readInfo } from '../modinfo/read-info.js';

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
`;

const FIELD_OF_OPTION: Readonly<Record<string, string>> = { a: 'author', d: 'description', l: 'license', p: 'parm', n: 'filename' };

interface Settings {
  field?: string | undefined;
  separator: string;
  byName: boolean;
  version?: string | undefined;
  basedir?: string | undefined;
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
  for (const { short, argument } of parsed.options) {
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
  }
  if (parsed.operands.length === 0) {
    io.stderr.write('modinfo: ERROR: missing module or filename.\n');
    return 1;
  }
  const moduleDir = `${settings.basedir ?? ''}/lib/modules/${settings.version ?? release()}`;
  let failed = false;
  for (const argument of parsed.operands) {
    const hits: LookupHit[] = !settings.byName && isModuleFilename(argument) ? [{ kind: 'file', path: argument }] : lookupModule(moduleDir, argument);
    if (hits.length === 0) {
      io.stderr.write(`modinfo: ERROR: Module ${argument} not found.\n`);
      failed = true;
      continue;
    }
    for (const hit of hits) if (!showModule(hit, settings, moduleDir, io)) failed = true;
  }
  return failed ? 1 : 0;
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
  if (field === undefined) io.stdout.write(`${'filename:'.padEnd(16)}${path}${separator}`);
  const info = readInfo(path);
  if (!info.ok) {
    const name = path.slice(path.lastIndexOf('/') + 1).split('.')[0]?.replaceAll('-', '_') ?? path;
    io.stderr.write(`modinfo: ERROR: could not get modinfo from '${name}': ${info.strerror}\n`);
    return false;
  }
  for (const warning of paramWarnings(info.list)) io.stderr.write(`modinfo: ERROR: ${warning}\n`);
  io.stdout.write(formatInfo(info.list, { separator, ...(field !== undefined ? { field } : {}) }));
  return true;
}
