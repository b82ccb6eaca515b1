import { catalogue } from '@kmodsim/scenarios';
import { parseCommandLine } from '@kmodsim/cli';
import { JSON_AND_HELP, OptionError, UsageError, type CompareIo } from './io.js';

export const SCENARIOS_USAGE = `Usage: kmodsim-compare scenarios [--json]

Lists the scenario catalogue: a line each with its name, whether check searches it (checked) or it
is a demonstration to watch (kmodsim scenario run NAME), its CPUs and documented bounds, and what a
design that fails it gets wrong.
`;

/** `kmodsim-compare scenarios`: the catalogue, one line each. */
export function scenariosCommand(argv: readonly string[], io: CompareIo): number {
  const parsed = parseCommandLine('kmodsim-compare scenarios', argv, JSON_AND_HELP);
  if (!parsed.ok) throw new OptionError(parsed.message);
  if (parsed.line.has('help')) {
    io.stdout.write(SCENARIOS_USAGE);
    return 0;
  }
  const [unexpected] = parsed.line.operands;
  if (unexpected !== undefined) throw new UsageError(`unexpected argument '${unexpected}'`);
  if (parsed.line.has('json')) {
    for (const entry of catalogue) {
      const { name, kind, cpuCount, bounds, expected, needsWaitingUnload, catches, exercises, description } = entry;
      io.stdout.write(`${JSON.stringify({ name, kind, cpus: cpuCount, bounds, expected, needsWaitingUnload, catches, exercises, description })}\n`);
    }
    return 0;
  }
  const width = Math.max(...catalogue.map((entry) => entry.name.length)) + 2;
  io.stdout.write(`${'SCENARIO'.padEnd(width)}${'KIND'.padEnd(15)}CPUS  BOUNDS  CATCHES\n`);
  for (const entry of catalogue) {
    const bounds = entry.kind === 'checked' ? `p${entry.bounds.preemptions} i${entry.bounds.irqs}` : '-';
    io.stdout.write(`${entry.name.padEnd(width)}${entry.kind.padEnd(15)}${String(entry.cpuCount).padStart(4)}  ${bounds.padEnd(6)}  ${entry.catches}\n`);
  }
  return 0;
}
