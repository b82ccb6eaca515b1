import { isBuiltinModule, machineLocation, machineTree, moduleNameOfArgument, openMachine, runCommand, type CommandOutcome, type RmmodOutcome } from '@kmodsim/machine';
import type { CliIo } from '@kmodsim/cli';
import { strerror } from '@kmodsim/cpu';
import { rmmodBuiltinMessage, rmmodMessage } from '../kmod-text/rmmod-messages.js';
import { parseKmodTool } from '../tool-support/options.js';
import { reportNotice, reportStoreError } from '../tool-support/report.js';
import { syslogWriter } from '../tool-support/syslog.js';
import { waitForCommand } from '../tool-support/wait.js';

// rmmod with kmod's options, messages and exit status, plus module-init-tools' --wait: without
// O_NONBLOCK the simulated kernel marks the module going (new users are refused) and the
// simulated rmmod sleeps until the last user leaves; this process waits for that. A module
// modules.builtin names is part of the kernel: kmod refuses it before asking the kernel. With
// -s the messages go to this host's syslog (see tool-support/syslog.ts), as kmod's do.

const USAGE = `Usage:
\trmmod [options] modulename ...
Options:
\t-f, --force       forces a module unload and may crash your
\t                  machine. This requires Forced Module Removal
\t                  option in your kernel. DANGEROUS
\t-w, --wait        begins a module removal even if it is used and
\t                  will stop new users from accessing the module
\t                  (so it should eventually fall to zero); waits
\t                  until it does (module-init-tools' option)
\t-s, --syslog      print to syslog, not stderr (this host's syslog,
\t                  through logger(1))
\t-v, --verbose     enables more messages
\t-V, --version     show version
\t-h, --help        show this help
\t-M, --machine DIR the simulated machine (default: $KMODSIM_MACHINE)
`;

const OPTIONS = [
  { short: 'f', long: 'force', takesArgument: false },
  { short: 'w', long: 'wait', takesArgument: false },
  { short: 's', long: 'syslog', takesArgument: false },
  { short: 'v', long: 'verbose', takesArgument: false },
];

/** Each operand in order: a built-in module (refused in user space) or one the kernel is asked to remove. */
type Target = { readonly name: string; readonly builtin: boolean };

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseKmodTool(io, 'rmmod', argv, OPTIONS, USAGE);
  if (!parsed.ok) return parsed.status;
  const { line } = parsed;
  const report = line.has('s') ? syslogWriter('rmmod') : (text: string) => { io.stderr.write(text); };
  if (line.operands.length === 0) {
    report('rmmod: ERROR: missing module name.\n');
    return 1;
  }
  const names: string[] = [];
  for (const operand of line.operands) {
    const argument = moduleNameOfArgument(operand);
    if (!argument.ok) {
      report(`rmmod: ERROR: could not use module ${operand}: ${strerror(argument.errno)}\n`);
      return 1;
    }
    names.push(argument.value);
  }
  const where = machineLocation(line.value('M'), io.env);
  if (!where.ok) return reportStoreError(io, 'rmmod', where);
  const dir = where.value;
  const machine = openMachine(dir);
  if (!machine.ok) return reportStoreError(io, 'rmmod', machine);
  const { moduleDir } = machineTree(dir, machine.value.config);
  const targets: Target[] = names.map((name) => ({ name, builtin: isBuiltinModule(moduleDir, name) }));
  const removing = targets.filter((target) => !target.builtin).map((target) => target.name);
  const print = (outcome: RmmodOutcome | undefined, printed: Printed): Printed => printResults(report, targets, outcome, printed);
  if (removing.length === 0) {
    print(undefined, { targets: 0, results: 0 });
    return 1;
  }
  const wait = line.has('w');
  const applied = await runCommand(dir, 'rmmod', io.clock.nowMs(), () => ({ kind: 'rmmod', tool: 'rmmod', names: removing, wait, force: line.has('f'), thenIfUnused: [] }));
  if (!applied.ok) return reportStoreError(io, 'rmmod', applied);
  reportNotice(io, 'rmmod', applied.value.notice);
  const outcome = applied.value.outcome as RmmodOutcome;
  const builtinFailed = removing.length < targets.length;
  let printed = print(outcome, { targets: 0, results: 0 });
  if (outcome.finished) return exitStatus(outcome, builtinFailed);
  const waitedOn = { seq: applied.value.record.seq, bootWallMs: machine.value.config.bootWallMs };
  const waited = await waitForCommand(dir, waitedOn, io, (seen) => asRmmod(seen)?.finished ?? true, (seen) => {
    const rmmod = asRmmod(seen);
    if (rmmod !== undefined) printed = print(rmmod, printed);
  });
  if (!waited.ok) return reportStoreError(io, 'rmmod', waited);
  if (waited.value.kind === 'interrupted') {
    io.stderr.write(
      `rmmod: interrupted; the simulated rmmod (pid ${outcome.pid}) stays asleep in the kernel in uninterruptible sleep (D), ` +
      `and finishes removing ${outcome.waitingFor ?? removing.join(' ')} once its users are gone (see kmodsim ps)\n`,
    );
    return 130;
  }
  if (waited.value.kind === 'rebooted') {
    io.stderr.write(`rmmod: ERROR: the machine at ${dir} was rebooted while waiting to remove ${outcome.waitingFor ?? removing.join(' ')}\n`);
    return 1;
  }
  const final = asRmmod(waited.value.outcome);
  return final === undefined ? 1 : exitStatus(final, builtinFailed);
}

function asRmmod(outcome: CommandOutcome | undefined): RmmodOutcome | undefined {
  return outcome?.kind === 'rmmod' ? outcome : undefined;
}

/** How far the messages have got: operands dealt with, and kernel results among them. */
interface Printed {
  readonly targets: number;
  readonly results: number;
}

/** Prints, in operand order, the messages not printed yet, up to the first result still to come. */
function printResults(report: (text: string) => void, targets: readonly Target[], outcome: RmmodOutcome | undefined, printed: Printed): Printed {
  let { targets: at, results } = printed;
  for (; at < targets.length; at++) {
    const target = targets[at];
    if (target === undefined) break;
    if (target.builtin) {
      report(rmmodBuiltinMessage(target.name));
      continue;
    }
    const entry = outcome?.results[results];
    if (entry === undefined) break;
    results++;
    const message = rmmodMessage(entry.name, entry.result);
    if (message !== undefined) report(message);
  }
  return { targets: at, results };
}

function exitStatus(outcome: RmmodOutcome, builtinFailed: boolean): number {
  return !builtinFailed && outcome.results.every(({ result }) => result.kind === 'removed') ? 0 : 1;
}
