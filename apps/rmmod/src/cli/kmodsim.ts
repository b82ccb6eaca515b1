import type { CliIo } from './io.js';
import { demoCommand } from '../kmodsim/demo.js';
import { scenarioCommand } from '../kmodsim/scenario.js';

const USAGE = `Usage: kmodsim COMMAND [OPTIONS]

Commands:
  demo [--cpus N] [--schedule STRING] [--format ftrace|chrome]
      Run a small scenario on the bare simulated machine (rmmod --wait sleeping until the
      last user of a module drops its reference) and print its trace.
  scenario list
      List the module core's scenarios.
  scenario run NAME [--strategy NAME] [--cpus N] [--schedule STRING] [--format ftrace|chrome]
      Boot the embedded kernel, run the scenario, print its trace and its replay command.

Options:
  -h, --help     show this help
`;

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'demo':
      return Promise.resolve(demoCommand(rest, io));
    case 'scenario':
      return Promise.resolve(scenarioCommand(rest, io));
    case undefined:
    case '-h':
    case '--help':
      io.stdout.write(USAGE);
      return Promise.resolve(command === undefined ? 2 : 0);
    default:
      io.stderr.write(`kmodsim: ERROR: unknown command '${command}'\n${USAGE}`);
      return Promise.resolve(2);
  }
}
