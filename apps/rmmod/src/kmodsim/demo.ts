import { parseArgs } from 'node:util';
import { findModuleScenario } from '@kmodsim/module';
import type { CliIo } from '../cli/io.js';
import { DEFAULT_STRATEGY, runModuleScenario } from './scenario.js';
import { usageError } from './usage.js';

/** The scenario `kmodsim demo` shows: rmmod --wait, asleep until the last user's put wakes it. */
export const DEMO_SCENARIO = 'wait-for-users';

export function demoCommand(argv: readonly string[], io: CliIo): number {
  let options;
  try {
    options = parseArgs({
      args: [...argv],
      options: {
        cpus: { type: 'string', default: '2' },
        schedule: { type: 'string', default: 'kms1:rr' },
        format: { type: 'string', default: 'ftrace' },
        strategy: { type: 'string', default: DEFAULT_STRATEGY },
      },
      strict: true,
    }).values;
  } catch (error) {
    return usageError(io, 'demo', error);
  }
  const scenario = findModuleScenario(DEMO_SCENARIO);
  if (scenario === undefined) throw new Error(`the module core has no ${DEMO_SCENARIO} scenario`);
  return runModuleScenario(io, 'demo', scenario, options, (run) => `kmodsim demo --cpus ${run.cpus} --schedule '${run.schedule}' --strategy ${run.strategy}`);
}
