import { findScenario } from '@kmodsim/scenarios';
import type { CliIo } from '../cli/io.js';
import { parseCommandLine } from './command-line.js';
import { DEFAULT_STRATEGY, runModuleScenario, scenarioRequest } from './scenario.js';
import { asksForHelp, usageError } from './usage.js';

/** The scenario `kmodsim demo` shows: rmmod --wait, asleep until the last user's put wakes it. */
export const DEMO_SCENARIO = 'wait-for-users';

const DEMO_USAGE = `Usage: kmodsim demo [--cpus N] [--schedule STRING] [--format ftrace|chrome] [--strategy NAME]
Boot the embedded kernel and run rmmod --wait while a user holds the module: the unloader
sleeps until the user's last put wakes it; print the trace and the command that replays it.
`;

export function demoCommand(argv: readonly string[], io: CliIo): number {
  if (asksForHelp(argv)) {
    io.stdout.write(DEMO_USAGE);
    return 0;
  }
  const parsed = parseCommandLine(argv, {
    cpus: { type: 'string', default: '2' },
    schedule: { type: 'string', default: 'kms1:rr' },
    format: { type: 'string', default: 'ftrace' },
    strategy: { type: 'string', default: DEFAULT_STRATEGY },
  });
  if (!parsed.ok) return usageError(io, 'demo', parsed.problem);
  if (parsed.positionals.length > 0) return usageError(io, 'demo', `unexpected argument '${parsed.positionals[0] ?? ''}'`);
  const scenario = findScenario(DEMO_SCENARIO);
  if (scenario === undefined) throw new Error(`the module core has no ${DEMO_SCENARIO} scenario`);
  return runModuleScenario(io, 'demo', scenario, scenarioRequest(parsed.values), (run) => `kmodsim demo --cpus ${run.cpus} --schedule '${run.schedule}' --strategy ${run.strategy}`);
}
