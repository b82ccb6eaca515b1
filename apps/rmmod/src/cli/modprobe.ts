import {
  lookAtMachine, lookupModule, machineLocation, machineTree, openMachine, probeList, readModuleFile, readProbeTables, removeWithDependencies, runCommand,
  type DepEntry, type ImageRef, type LookupHit, type ProbeTables, type RemovalStep, type RemovalSteps, type SnapshotModule,
} from '@kmodsim/machine';
import type { CliIo, CommandLine } from '@kmodsim/cli';
import { moduleNameFromPath } from '@kmodsim/linker';
import { modprobeStrerror } from '../kmod-text/errors.js';
import { modprobeRemoveMessage } from '../kmod-text/rmmod-messages.js';
import { parseKmodTool } from '../tool-support/options.js';
import { reportNotice, reportStoreError } from '../tool-support/report.js';
import { syslogWriter } from '../tool-support/syslog.js';

// modprobe [-r] [-D] [-n] [-q] [-v] MODULE|ALIAS [param=value ...]: a module and what it needs,
// through the machine's module tree and the depmod files computed for it at boot. The argument
// is looked up as kmod looks it up: a module name, else an alias pattern, else a built-in
// module (which is already there: nothing to do, and nothing to remove). What to insert or
// remove, and in which order, is @kmodsim/machine's (libkmod's part); this file keeps kmod's
// options, messages and printing.

const USAGE = `Usage:
\tmodprobe [options] modulename [module parameters...]
\tmodprobe [options] -r modulename ...
Options:
\t-r, --remove                Remove modules instead of inserting
\t-D, --show-depends          Only print module dependencies and exit
\t-n, --dry-run               Do not execute operations, just print out
\t-q, --quiet                 disable messages
\t-s, --syslog                print to syslog, not stderr (this host's syslog,
\t                            through logger(1))
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
  { short: 's', long: 'syslog', takesArgument: false },
  { short: 'v', long: 'verbose', takesArgument: false },
];

/** What one modprobe run knows: its options, where it prints, the machine and its tree. */
interface Probe extends ProbeTables {
  readonly io: CliIo;
  readonly line: CommandLine;
  readonly dir: string;
  /** kmod's messages, which -q silences (the exit status still tells). */
  say(text: string): void;
  /** kmod's SHOW(): the actions, with -v, -n -v or -D. */
  show(text: string): void;
}

/** kmod's DEFAULT_VERBOSE (LOG_WARNING): SHOW prints only above it. */
const DEFAULT_VERBOSITY = 4;

/**
 * kmod's verbose level, option by option: -v raises it by one; -q sets it to LOG_EMERG (0), so
 * after -q even -v -v shows nothing (five -v after it would show again).
 */
function verbosity(line: CommandLine): number {
  return line.options.reduce((level, option) => (option.short === 'q' ? 0 : option.short === 'v' ? level + 1 : level), DEFAULT_VERBOSITY);
}

export function main(argv: readonly string[], io: CliIo): Promise<number> {
  return modprobe(argv, io);
}

async function modprobe(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseKmodTool(io, 'modprobe', argv, OPTIONS, USAGE);
  if (!parsed.ok) return parsed.status;
  const { line } = parsed;
  const quiet = line.has('q');
  const log = line.has('s') ? syslogWriter('modprobe') : (text: string) => { io.stderr.write(text); };
  const say = (text: string): void => { if (!quiet) log(text); };
  if (line.operands.length === 0) {
    say('modprobe: ERROR: missing parameters. See -h.\n');
    return 1;
  }
  const where = machineLocation(line.value('M'), io.env);
  if (!where.ok) return reportStoreError(io, 'modprobe', where);
  const dir = where.value;
  const machine = openMachine(dir);
  if (!machine.ok) return reportStoreError(io, 'modprobe', machine);
  const tree = machineTree(dir, machine.value.config);
  const probe: Probe = {
    io, line, dir, ...readProbeTables(tree),
    say,
    show: (text) => { if (line.has('D') || verbosity(line) > DEFAULT_VERBOSITY) io.stdout.write(text); },
  };
  if (line.has('r')) return removeAll(probe);
  const [alias = '', ...params] = line.operands;
  const hits = lookupModule(tree, alias);
  if (hits.length === 0) {
    probe.say(`modprobe: FATAL: Module ${alias} not found in directory ${tree.moduleDir}\n`);
    return 1;
  }
  let status = 0;
  for (const hit of hits) status = await probeOne(probe, hit, params);
  return status;
}

async function probeOne(probe: Probe, hit: LookupHit, params: readonly string[]): Promise<number> {
  // A built-in module is in the kernel already; only --show-depends, which ignores what is loaded, says so.
  if (hit.kind === 'builtin') {
    if (probe.line.has('D')) probe.show(`builtin ${hit.name}\n`);
    return 0;
  }
  const entry = probe.deps.get(hit.name);
  if (entry === undefined) return 0;
  // Soft dependencies come in where libkmod puts them: pre: before their module, post: after.
  const files = probeList(probe, entry);
  const action = (path: string): string => `insmod ${path} ${path === entry.path ? params.join(' ') : ''}\n`;
  if (probe.line.has('D')) {
    for (const path of files) probe.show(action(path));
    return 0;
  }
  if (probe.line.has('n')) {
    const loaded = await loadedModules(probe);
    if (loaded === undefined) return 1;
    for (const path of files) if (!loaded.has(moduleNameFromPath(path))) probe.show(action(path));
    return 0;
  }
  return insert(probe, entry, files, params, action);
}

async function insert(probe: Probe, entry: DepEntry, files: readonly string[], params: readonly string[], action: (path: string) => string): Promise<number> {
  const { io, dir } = probe;
  const images: ImageRef[] = [];
  const keep: Uint8Array[] = [];
  for (const path of files) {
    const read = await readModuleFile(path, dir);
    if (!read.ok) {
      probe.say(`modprobe: ERROR: could not insert '${entry.name}': ${read.stage === 'read' ? read.message : modprobeStrerror(read.errno)}\n`);
      return 1;
    }
    images.push(read.value.ref);
    keep.push(read.value.bytes);
  }
  const applied = await runCommand(dir, 'modprobe', probe.io.clock.nowMs(), () => ({
    kind: 'insmod', tool: 'modprobe', images, params, skipLoaded: true, force: { ignoreVermagic: false, ignoreModversions: false },
  }), keep);
  if (!applied.ok) return reportStoreError(io, 'modprobe', applied);
  reportNotice(io, 'modprobe', applied.value.notice);
  const outcome = applied.value.outcome;
  let status = 0;
  for (const { name, file, result } of outcome.kind === 'insmod' ? outcome.results : []) {
    // kmod shows each insmod it makes; a module loaded already is passed over in silence.
    if (result.kind === 'already-loaded') continue;
    probe.show(action(file));
    if (result.kind !== 'failed') continue;
    probe.say(`modprobe: ERROR: could not insert '${name}': ${modprobeStrerror(result.errno)}\n`);
    status = 1;
  }
  return status;
}

/** modprobe -r: every argument in turn; a FATAL message ends the run, as kmod's exit(1) in LOG does. */
async function removeAll(probe: Probe): Promise<number> {
  let status = 0;
  for (const alias of probe.line.operands) {
    const hits = lookupModule(probe.tree, alias);
    if (hits.length === 0) {
      probe.say(`modprobe: FATAL: Module ${alias} not found.\n`);
      return 1;
    }
    for (const hit of hits) {
      if (hit.kind === 'builtin') {
        probe.say(`modprobe: FATAL: Module ${hit.name} is builtin.\n`);
        return 1;
      }
      // The order (softdeps, the module, the dependencies it leaves unused) is the library's;
      // each step is this tool's: ask the kernel, or with -n only say what it would do.
      const steps = probe.line.has('n') ? dryRunSteps(probe) : removalSteps(probe);
      const removed = await removeWithDependencies(probe, hit.name, steps);
      if (removed === 'stop') return 1;
      if (removed === 'failed') {
        status = 1;
        break;
      }
    }
  }
  return status;
}

/**
 * A module still in use: kmod's LOG("Module %s is in use."), a FATAL that exits — unless -q has
 * silenced it, and then, not printed, it does not exit either, and the caller goes on as kmod does.
 */
function inUse(probe: Probe, name: string): RemovalStep {
  if (probe.line.has('q')) return 'failed';
  probe.say(`modprobe: FATAL: Module ${name} is in use.\n`);
  return 'stop';
}

/** modprobe -r: each module removed by the simulated kernel, the machine looked at afresh before each. */
function removalSteps(probe: Probe): RemovalSteps {
  return {
    isLoaded: async (name) => (await loadedModules(probe))?.has(name),
    remove: (name, dependencies) => removeCommand(probe, name, dependencies),
  };
}

/**
 * One module, then its dependencies that nothing uses now. Only the module's own result counts:
 * kmod prints a dependency's failure but does not make it the run's (its status stays 0).
 */
async function removeCommand(probe: Probe, name: string, thenIfUnused: readonly string[]): Promise<RemovalStep> {
  const { io, dir } = probe;
  const applied = await runCommand(dir, 'modprobe -r', probe.io.clock.nowMs(), () => ({ kind: 'rmmod', tool: 'modprobe', names: [name], wait: false, force: false, thenIfUnused }));
  if (!applied.ok) {
    reportStoreError(io, 'modprobe', applied);
    return 'stop';
  }
  reportNotice(io, 'modprobe', applied.value.notice);
  const outcome = applied.value.outcome;
  let removal: RemovalStep = 'done';
  for (const { name: removed, result } of outcome.kind === 'rmmod' ? outcome.results : []) {
    // kmod shows the rmmod of each module it asks the kernel to remove, before it asks.
    if (result.kind === 'removed' || result.kind === 'failed') probe.show(`rmmod ${removed}\n`);
    if (result.kind === 'in-use' || result.kind === 'in-use-by') return inUse(probe, removed);
    const message = modprobeRemoveMessage(removed, result);
    if (message === undefined) continue;
    probe.say(message);
    if (removed === name) removal = 'failed';
  }
  return removal;
}

/**
 * modprobe -r -n: kmod's checks and the rmmod it would run, against the machine as it is, looked
 * at once. Nothing is removed, so a pre-softdep that is also a dependency is still used by the
 * module, and is "in use" as kmod -n says it is.
 */
function dryRunSteps(probe: Probe): RemovalSteps {
  let loaded: Promise<Map<string, SnapshotModule> | undefined> | undefined;
  const modules = (): Promise<Map<string, SnapshotModule> | undefined> => (loaded ??= loadedModules(probe));
  return {
    isLoaded: async (name) => (await modules())?.has(name),
    remove: async (name, dependencies) => {
      const now = await modules();
      if ((now?.get(name)?.refcount ?? 0) > 0) return inUse(probe, name);
      probe.show(`rmmod ${name}\n`);
      // Nothing was removed, so a dependency still counts this module as its user unless it has none.
      for (const dependency of dependencies) if (now?.get(dependency)?.refcount === 0) probe.show(`rmmod ${dependency}\n`);
      return 'done';
    },
  };
}

/** The modules loaded now, by name; undefined when the machine cannot be looked at (said already). */
async function loadedModules(probe: Probe): Promise<Map<string, SnapshotModule> | undefined> {
  const look = await lookAtMachine(probe.dir, probe.io.clock.nowMs());
  if (!look.ok) {
    reportStoreError(probe.io, 'modprobe', look);
    return undefined;
  }
  return new Map(look.value.snapshot.modules.map((module) => [module.name, module]));
}
