import { parseArgs } from 'node:util';
import { runScenario } from '@kmodsim/cpu';
import type { CliIo } from '../cli/io.js';
import { waitForZeroDemo } from '../demo/wait-for-zero.js';
import { parseTraceFormat, printRun } from './run-output.js';
import { usageError } from './usage.js';

export function demoCommand(argv: readonly string[], io: CliIo): number {
  let options;
  try {
    options = parseArgs({
      args: [...argv],
      options: { cpus: { type: 'string', default: '2' }, schedule: { type: 'string', default: 'kms1:rr' }, format: { type: 'string', default: 'ftrace' } },
      strict: true,
    }).values;
  } catch (error) {
    return usageError(io, 'demo', error);
  }
  const format = parseTraceFormat(options.format);
  if (format === undefined) return usageError(io, 'demo', `unknown trace format '${options.format}' (ftrace or chrome)`);
  const run = runScenario(waitForZeroDemo, { cpuCount: Number(options.cpus), schedule: options.schedule, trace: true });
  if (!run.ok) return usageError(io, 'demo', run.error.message);
  if (format === 'ftrace') io.stdout.write(`# scenario: ${waitForZeroDemo.name}: ${waitForZeroDemo.description}\n`);
  return printRun(io, run.value, format, (schedule) => `kmodsim demo --cpus ${options.cpus} --schedule '${schedule}'`);
}
