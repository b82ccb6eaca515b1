import { formatChromeTrace, formatFtrace } from '@kmodsim/cpu';
import { refresh } from '@kmodsim/machine';
import type { CliIo } from '@kmodsim/cli';
import { reportStoreError } from '../tool-support/report.js';
import { parseMachineArgs, withValue } from './machine-args.js';
import { wholeNumberIn } from './numbers.js';
import { parseTraceFormat } from './run-output.js';
import { usageError } from './machine-args.js';

const TRACE_USAGE = `Usage: kmodsim trace [--last N] [--format ftrace|chrome] [-M|--machine DIR]

What the machine did for its last N commands (default 1), up to now: ftrace text, or Chrome
trace JSON for Perfetto (ui.perfetto.dev) with one track per CPU.
`;

export async function traceCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseMachineArgs(io, 'trace', argv, [withValue('last'), withValue('format')], TRACE_USAGE);
  if (!parsed.ok) return parsed.status;
  const { args } = parsed;
  if (args.positionals.length > 0) return usageError(io, 'trace', `unexpected argument '${args.positionals[0] ?? ''}'`);
  const last = wholeNumberIn(args.string('last') ?? '1', 1, Number.MAX_SAFE_INTEGER);
  if (last === undefined) return usageError(io, 'trace', `--last takes a whole number of commands, not '${args.string('last') ?? '1'}'`);
  const format = parseTraceFormat(args.string('format') ?? 'ftrace');
  if (format === undefined) return usageError(io, 'trace', `unknown trace format '${args.string('format') ?? 'ftrace'}' (ftrace or chrome)`);
  const seen = await refresh(args.dir, io.clock.nowMs(), (session) => {
    const records = session.journalLength;
    return { events: session.traceSince(Math.max(1, records - last + 1)), cpuCount: session.machine.cpuCount, ghz: session.machine.profile.ghz };
  }, { trace: true });
  if (!seen.ok) return reportStoreError(io, 'kmodsim trace', seen);
  const { events, cpuCount, ghz } = seen.value.seen;
  io.stdout.write(format === 'chrome' ? `${formatChromeTrace(events, cpuCount, ghz)}\n` : formatFtrace(events, cpuCount));
  return 0;
}

