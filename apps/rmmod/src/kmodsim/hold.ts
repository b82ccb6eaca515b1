import { fail, strerror } from '@kmodsim/cpu';
import { moduleNameOfArgument, parseDurationMs, runCommand } from '@kmodsim/machine';
import type { CliIo } from '@kmodsim/cli';
import { reportNotice, reportStoreError } from '../tool-support/report.js';
import { parseMachineArgs, withValue } from './machine-args.js';
import { wholeNumberIn } from './numbers.js';
import { usageError } from './machine-args.js';

const HOLD_USAGE = `Usage: kmodsim hold MODULE [--for DURATION] [-M|--machine DIR]

Starts a simulated user of MODULE: a task that opens its device (or, for a module without one,
takes a reference as a kernel user does) and keeps it until \`kmodsim release PID\` or until
DURATION (30, 30s, 500ms, 2m, 1h; at most 24h) has passed. Prints the task's pid.
`;

const RELEASE_USAGE = `Usage: kmodsim release PID [-M|--machine DIR]

Ends a simulated user started by kmodsim hold: it closes the device, dropping its reference.
`;

export async function holdCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseMachineArgs(io, 'hold', argv, [withValue('for')], HOLD_USAGE);
  if (!parsed.ok) return parsed.status;
  const { args } = parsed;
  const [operand, ...extra] = args.positionals;
  if (operand === undefined || extra.length > 0) return usageError(io, 'hold', `expected one MODULE\n${HOLD_USAGE.trimEnd()}`);
  const module = moduleNameOfArgument(operand);
  if (!module.ok) return usageError(io, 'hold', `bad module name '${operand}': ${strerror(module.errno)}`);
  const forText = args.string('for');
  const forMs = forText === undefined ? null : parseDurationMs(forText);
  if (forMs === undefined) return usageError(io, 'hold', `bad --for duration '${forText ?? ''}' (from 1ms to 24h, e.g. 30s, 500ms, 2m; without --for it holds until released)`);
  const applied = await runCommand(args.dir, 'kmodsim hold', io.clock.nowMs(), () => ({ kind: 'hold', module: module.value, forMs }));
  if (!applied.ok) return reportStoreError(io, 'kmodsim hold', applied);
  reportNotice(io, 'kmodsim hold', applied.value.notice);
  const value = applied.value;
  const outcome = value.outcome;
  if (outcome.kind !== 'hold' || outcome.result.kind !== 'holding') {
    const failure = outcome.kind === 'hold' && outcome.result.kind === 'failed' ? `${strerror(outcome.result.errno)} (${outcome.result.message})` : 'it did not start';
    io.stderr.write(`kmodsim hold: ERROR: could not hold ${module.value}: ${failure}\n`);
    return 1;
  }
  io.stdout.write(`${outcome.pid}\n`);
  return 0;
}

export async function releaseCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseMachineArgs(io, 'release', argv, [], RELEASE_USAGE);
  if (!parsed.ok) return parsed.status;
  const { args } = parsed;
  const [pidText, ...extra] = args.positionals;
  if (pidText === undefined || extra.length > 0) return usageError(io, 'release', `expected one PID\n${RELEASE_USAGE.trimEnd()}`);
  const pid = wholeNumberIn(pidText, 1, Number.MAX_SAFE_INTEGER);
  if (pid === undefined) return usageError(io, 'release', `'${pidText}' is not a PID: a PID is a whole number from 1 to ${Number.MAX_SAFE_INTEGER}\n${RELEASE_USAGE.trimEnd()}`);
  const applied = await runCommand(args.dir, 'kmodsim release', io.clock.nowMs(), (session) =>
    session.holders.has(pid) && session.isAlive(pid) ? { kind: 'release', pid } : fail('ESRCH', `pid ${pid} is not a simulated user holding a module (kmodsim ps lists them)`, { kind: 'refused' as const }));
  if (!applied.ok) return reportStoreError(io, 'kmodsim release', applied);
  reportNotice(io, 'kmodsim release', applied.value.notice);
  return 0;
}
