import { parseCommandLine, reportOptionError, reportUsageError, USAGE_STATUS, type CliIo, type OptionSpec } from '@kmodsim/cli';
import { bootCommand } from '../kmodsim/boot.js';
import { demoCommand } from '../kmodsim/demo.js';
import { holdCommand, releaseCommand } from '../kmodsim/hold.js';
import { litmusCommand } from '../kmodsim/litmus.js';
import { scenarioCommand } from '../kmodsim/scenario.js';
import { traceCommand } from '../kmodsim/trace.js';
import { VERSION_TEXT } from '../tool-support/options.js';
import { catCommand, dmesgCommand, psCommand } from '../kmodsim/views.js';

const USAGE = `Usage: kmodsim COMMAND [OPTIONS]

The simulated machine (kept in -M/--machine DIR, else $KMODSIM_MACHINE, else
~/.local/state/kmodsim/default); rmmod, insmod, modprobe and lsmod act on the same machine:
  boot [--cpus N] [--strategy NAME] [--arch native|atomic] [--force-unload]
       [--kernel DIR --symvers FILE] [--reboot]
      Create a machine: the embedded kernel with its demo modules, or a real module tree.
  hold MODULE [--for DURATION]
      Start a simulated user that opens the module's device; prints its pid.
  release PID
      End that user: it closes the device and drops its reference.
  ps [--json]          the machine's tasks (users, an rmmod --wait asleep in D state)
  dmesg [--json]       the kernel log: loads, unloads, taints, oopses
  cat /proc/modules    the kernel's module list
  trace [--last N] [--format ftrace|chrome]
      What the machine did for the last N commands.

Runs without a machine:
  demo [--cpus N] [--schedule STRING] [--format ftrace|chrome] [--strategy NAME]
      Boot the embedded kernel and run rmmod --wait while a user holds the module: the
      unloader sleeps until the user's last put wakes it; print the trace. The refcount
      design is the seed's (percpu-stop-machine) unless --strategy names another.
  scenario list
      List the module core's scenarios.
  scenario run NAME [--strategy NAME] [--cpus N] [--schedule STRING] [--format ftrace|chrome]
      Boot the embedded kernel, run the scenario, print its trace and its replay command.
  litmus FILE.litmus [--model sc|tso|relaxed] [--trace] [--schedule STRING]
      Run a C litmus test (the kernel's tools/memory-model format) over every execution:
      Sometimes (with a witness and its replay command) or Never.

Options:
  -h, --help     show this help (COMMAND --help: that command's)
  -V, --version  show the version, as the kmod tools here do
`;

/** kmodsim's own options, before any command. */
const OPTIONS: readonly OptionSpec[] = [{ short: 'h', long: 'help', takesArgument: false }, { short: 'V', long: 'version', takesArgument: false }];

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'demo':
      return demoCommand(rest, io);
    case 'scenario':
      return scenarioCommand(rest, io);
    case 'litmus':
      return litmusCommand(rest, io);
    case 'boot':
      return bootCommand(rest, io);
    case 'hold':
      return holdCommand(rest, io);
    case 'release':
      return releaseCommand(rest, io);
    case 'ps':
      return psCommand(rest, io);
    case 'dmesg':
      return dmesgCommand(rest, io);
    case 'cat':
      return catCommand(rest, io);
    case 'trace':
      return traceCommand(rest, io);
    case undefined:
      io.stdout.write(USAGE);
      return USAGE_STATUS;
    default:
      return command.startsWith('-') ? topLevelOption(command, io) : reportUsageError(io, 'kmodsim', `unknown command '${command}'; see 'kmodsim --help'`);
  }
}

/** -h, -V, or getopt's word on an option kmodsim does not have. */
function topLevelOption(option: string, io: CliIo): number {
  const parsed = parseCommandLine('kmodsim', [option], OPTIONS);
  if (!parsed.ok) return reportOptionError(io, 'kmodsim', parsed.message);
  io.stdout.write(parsed.line.has('help') ? USAGE : VERSION_TEXT);
  return 0;
}
