import { parseArgs } from 'node:util';
import { runScenario } from '@kmodsim/cpu';
import { findModuleScenario, moduleScenarios } from '@kmodsim/module';
import { findStrategy, strategyNames } from '@kmodsim/refcount';
import type { CliIo } from '../cli/io.js';
import { parseTraceFormat, printRun } from './run-output.js';
import { usageError } from './usage.js';

export const DEFAULT_STRATEGY = 'global-spinlock';

/** `kmodsim scenario list` and `kmodsim scenario run NAME [...]`. */
export function scenarioCommand(argv: readonly string[], io: CliIo): number {
  const [verb, ...rest] = argv;
  switch (verb ?? '') {
    case 'list':
      for (const scenario of moduleScenarios) io.stdout.write(`${scenario.name.padEnd(18)} ${scenario.description}\n`);
      return 0;
    case 'run':
      return runCommand(rest, io);
    default:
      return usageError(io, 'scenario', `expected 'list' or 'run NAME', got ${verb === undefined ? 'nothing' : `'${verb}'`}`);
  }
}

function runCommand(argv: readonly string[], io: CliIo): number {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        strategy: { type: 'string', default: DEFAULT_STRATEGY },
        cpus: { type: 'string' },
        schedule: { type: 'string', default: 'kms1:rr' },
        format: { type: 'string', default: 'ftrace' },
      },
      strict: true,
    });
  } catch (error) {
    return usageError(io, 'scenario run', error);
  }
  const { values, positionals } = parsed;
  const name = positionals[0];
  const scenario = name === undefined ? undefined : findModuleScenario(name);
  if (scenario === undefined) {
    return usageError(io, 'scenario run', `unknown scenario '${name ?? ''}'; known: ${moduleScenarios.map((known) => known.name).join(', ')}`);
  }
  const strategy = findStrategy(values.strategy);
  if (strategy === undefined) return usageError(io, 'scenario run', `unknown strategy '${values.strategy}'; known: ${strategyNames().join(', ')}`);
  const format = parseTraceFormat(values.format);
  if (format === undefined) return usageError(io, 'scenario run', `unknown trace format '${values.format}' (ftrace or chrome)`);
  const cpus = values.cpus ?? String(scenario.cpuCount);
  const run = runScenario(scenario.build({ strategy }), { cpuCount: Number(cpus), schedule: values.schedule, trace: true });
  if (!run.ok) return usageError(io, 'scenario run', run.error.message);
  if (format === 'ftrace') io.stdout.write(`# scenario: ${scenario.name}: ${scenario.description}\n# strategy: ${strategy.name}: ${strategy.description}\n`);
  const replay = (schedule: string): string => `kmodsim scenario run ${scenario.name} --strategy ${strategy.name} --cpus ${cpus} --schedule '${schedule}'`;
  return printRun(io, run.value, format, replay, scenario.expectedFault);
}
