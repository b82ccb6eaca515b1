import type { CliIo } from './io.js';
import { rmmodMessage } from '../kmod-text/rmmod-messages.js';
import { machineDirFrom } from '../machine-store/location.js';
import { runCommand } from '../simulation/operations.js';
import type { CommandOutcome, RmmodOutcome } from '../simulation/outcomes.js';
import { moduleArgument } from '../tool-support/module-names.js';
import { parseKmodTool } from '../tool-support/options.js';
import { reportStoreError } from '../tool-support/report.js';
import { waitForCommand } from '../tool-support/wait.js';

// rmmod with kmod's options, messages and exit status, plus module-init-tools' --wait: without
// O_NONBLOCK the simulated kernel marks the module going (new users are refused) and the
// simulated rmmod sleeps until the last user leaves; this process waits for that.

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
\t-s, --syslog      print to syslog, not stderr
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

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseKmodTool(io, 'rmmod', argv, OPTIONS, USAGE);
  if (!parsed.ok) return parsed.status;
  const { line } = parsed;
  if (line.operands.length === 0) {
    io.stderr.write('rmmod: ERROR: missing module name.\n');
    return 1;
  }
  const names: string[] = [];
  for (const operand of line.operands) {
    const argument = moduleArgument(operand);
    if (!argument.ok) {
      io.stderr.write(`rmmod: ERROR: could not use module ${operand}: ${argument.strerror}\n`);
      return 1;
    }
    names.push(argument.name);
  }
  const dir = machineDirFrom(line.value('M'), io.env);
  const wait = line.has('w');
  const applied = runCommand(dir, 'rmmod', Date.now(), () => ({ kind: 'rmmod', tool: 'rmmod', names, wait, force: line.has('f'), thenIfUnused: [] }));
  if (!applied.ok) return reportStoreError(io, 'rmmod', applied.error);
  if ('refused' in applied.value) {
    io.stderr.write(`rmmod: ERROR: ${applied.value.refused}\n`);
    return 1;
  }
  const outcome = applied.value.outcome as RmmodOutcome;
  let printed = printResults(io, outcome, 0);
  if (outcome.finished) return exitStatus(outcome);
  const waited = await waitForCommand(dir, applied.value.record.seq, io.signal, (seen) => asRmmod(seen)?.finished ?? true, (seen) => {
    const rmmod = asRmmod(seen);
    if (rmmod !== undefined) printed = printResults(io, rmmod, printed);
  });
  if (!waited.ok) return reportStoreError(io, 'rmmod', waited.error);
  if (waited.value.kind === 'interrupted') {
    io.stderr.write(
      `rmmod: interrupted; the simulated rmmod (pid ${outcome.pid}) stays asleep in the kernel in uninterruptible sleep (D), ` +
      `and finishes removing ${outcome.waitingFor ?? names.join(' ')} once its users are gone (see kmodsim ps)\n`,
    );
    return 130;
  }
  const final = asRmmod(waited.value.outcome);
  return final === undefined ? 1 : exitStatus(final);
}

function asRmmod(outcome: CommandOutcome | undefined): RmmodOutcome | undefined {
  return outcome?.kind === 'rmmod' ? outcome : undefined;
}

/** Prints the results not printed yet; returns how many are printed now. */
function printResults(io: CliIo, outcome: RmmodOutcome, alreadyPrinted: number): number {
  for (const { name, result } of outcome.results.slice(alreadyPrinted)) {
    const message = rmmodMessage(name, result);
    if (message !== undefined) io.stderr.write(message);
  }
  return outcome.results.length;
}

function exitStatus(outcome: RmmodOutcome): number {
  return outcome.results.every(({ result }) => result.kind === 'removed') ? 0 : 1;
}
