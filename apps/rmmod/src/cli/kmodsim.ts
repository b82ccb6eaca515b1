import { parseArgs } from 'node:util';
import { formatChromeTrace, formatFtrace, runScenario } from '@kmodsim/cpu';
import { waitForZeroDemo } from '../demo/wait-for-zero.js';
import type { CliIo } from './io.js';

const USAGE = `Usage: kmodsim COMMAND [OPTIONS]

Commands:
  demo [--cpus N] [--schedule STRING] [--format ftrace|chrome]
      Run a small scenario on the simulated machine (rmmod --wait sleeping until the
      last user of a module drops its reference) and print its trace.

Options:
  -h, --help     show this help
`;

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'demo':
      return Promise.resolve(demo(rest, io));
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

function demo(argv: readonly string[], io: CliIo): number {
  let options;
  try {
    options = parseArgs({
      args: [...argv],
      options: {
        cpus: { type: 'string', default: '2' },
        schedule: { type: 'string', default: 'kms1:rr' },
        format: { type: 'string', default: 'ftrace' },
      },
      strict: true,
    }).values;
  } catch (error) {
    io.stderr.write(`kmodsim demo: ERROR: ${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
  const format = options.format;
  if (format !== 'ftrace' && format !== 'chrome') {
    io.stderr.write(`kmodsim demo: ERROR: unknown trace format '${format}' (ftrace or chrome)\n`);
    return 2;
  }
  const run = runScenario(waitForZeroDemo, { cpuCount: Number(options.cpus), schedule: options.schedule, trace: true });
  if (!run.ok) {
    io.stderr.write(`kmodsim demo: ERROR: ${run.error.message}\n`);
    return 2;
  }
  const { machine, trace, fault } = run.value;
  if (format === 'chrome') {
    io.stdout.write(`${formatChromeTrace(trace, machine.cpuCount, machine.profile.ghz)}\n`);
  } else {
    io.stdout.write(`# scenario: ${waitForZeroDemo.name}: ${waitForZeroDemo.description}\n`);
    io.stdout.write(formatFtrace(trace, machine.cpuCount));
  }
  if (fault !== undefined) {
    io.stderr.write(`kmodsim demo: FAULT ${fault.kind}: ${fault.message}\nreplay: kmodsim demo --cpus ${machine.cpuCount} --schedule '${fault.choices}'\n`);
    return 1;
  }
  io.stderr.write(`# ${run.value.steps} steps, ${run.value.cycles} cycles; replay: kmodsim demo --cpus ${machine.cpuCount} --schedule '${run.value.choices}'\n`);
  return 0;
}
