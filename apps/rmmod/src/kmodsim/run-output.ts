import { formatChromeTrace, formatFtrace, type ScenarioRun } from '@kmodsim/cpu';
import type { CliIo } from '@kmodsim/cli';

export type TraceFormat = 'ftrace' | 'chrome';

export function parseTraceFormat(value: string): TraceFormat | undefined {
  return value === 'ftrace' || value === 'chrome' ? value : undefined;
}

/**
 * Prints a scenario run's trace on stdout and, on stderr, how it ended and the command that
 * replays it exactly. Returns the exit status: 0 for a clean run, 1 for a fault.
 */
export function printRun(io: CliIo, run: ScenarioRun, format: TraceFormat, replayCommand: (schedule: string) => string, expectedFaults: readonly string[] = []): number {
  const { machine, trace, fault } = run;
  if (format === 'chrome') io.stdout.write(`${formatChromeTrace(trace, machine.cpuCount, machine.profile.ghz)}\n`);
  else io.stdout.write(formatFtrace(trace, machine.cpuCount));
  const replay = replayCommand(fault?.choices ?? run.choices);
  if (fault === undefined) {
    io.stderr.write(`# ${run.steps} steps, ${run.cycles} cycles; replay: ${replay}\n`);
    return 0;
  }
  const expected = expectedFaults.includes(fault.kind);
  io.stderr.write(`# ${expected ? 'ended as expected in' : 'FAULT'} ${fault.kind} on CPU ${fault.cpu} (${fault.comm}-${fault.pid}): ${fault.message}\n# replay: ${replay}\n`);
  return expected ? 0 : 1;
}
