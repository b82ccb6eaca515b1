import { findScenario } from '@kmodsim/scenarios';
import type { CliIo } from '@kmodsim/cli';
import { runModuleScenario, SCENARIO_OPTIONS, scenarioRequest } from './scenario.js';
import { parseSubcommand, usageError } from './machine-args.js';

/** The scenario `kmodsim demo` shows: rmmod --wait, asleep until the last user's put wakes it. */
export const DEMO_SCENARIO = 'wait-for-users';

const DEMO_USAGE = `Usage: kmodsim demo [--cpus N] [--schedule STRING] [--format ftrace|chrome] [--strategy NAME]
Boot the embedded kernel and run rmmod --wait while a user holds the module: the unloader
sleeps until the user's last put wakes it; print the trace and the command that replays it.
`;

export function demoCommand(argv: readonly string[], io: CliIo): number {
  const parsed = parseSubcommand(io, 'demo', argv, SCENARIO_OPTIONS, DEMO_USAGE);
  if (!parsed.ok) return parsed.status;
  const { args } = parsed;
  if (args.positionals.length > 0) return usageError(io, 'demo', `unexpected argument '${args.positionals[0] ?? ''}'`);
  const scenario = findScenario(DEMO_SCENARIO);
  if (scenario === undefined) throw new Error(`the module core has no ${DEMO_SCENARIO} scenario`);
  const request = scenarioRequest(args);
  return runModuleScenario(io, 'demo', scenario, { ...request, cpus: request.cpus ?? '2' }, (run) => `kmodsim demo --cpus ${run.cpus} --schedule '${run.schedule}' --strategy ${run.strategy}`);
}
