import { catalogue, type CatalogueScenario } from '@kmodsim/scenarios';
import { parseCommandLine } from '@kmodsim/cli';
import { counterexampleWidth, wrap } from './check/columns.js';
import { JSON_AND_HELP, OptionError, UsageError, type CompareIo } from './io.js';

export const SCENARIOS_USAGE = `Usage: kmodsim-compare scenarios [--json]

Lists the scenario catalogue: a line each with its name, whether check searches it (checked) or it
is a demonstration to watch (kmodsim scenario run NAME), its CPUs and documented bounds, what it
exercises (what runs on which CPU) and what a design that fails it gets wrong. On a terminal, or
with COLUMNS set, the last two wrap to the width; --json adds the contract cells each exercises.
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
  io.stdout.write(catalogueTable(counterexampleWidth(io.columns, io.env)));
  return 0;
}

/** The narrowest that EXERCISES and CATCHES get side by side; on a narrower line each scenario is a block of lines. */
const MIN_TEXT_WIDTH = 24;

/**
 * The catalogue, a scenario to a row: its name, kind, CPUs, bounds, what it exercises (what runs
 * on which CPU) and what it catches. Without a line width, each row is one line, whole, for grep.
 * With one (the terminal's, or COLUMNS), the two texts wrap in their columns; on a line too narrow
 * for both, each scenario is a block of lines instead.
 */
function catalogueTable(lineWidth: number | undefined): string {
  const nameWidth = Math.max(...catalogue.map((entry) => entry.name.length)) + 2;
  const head = (name: string, kind: string, cpus: string, bounds: string): string => `${name.padEnd(nameWidth)}${kind.padEnd(15)}${cpus.padStart(4)}  ${bounds.padEnd(6)}  `;
  const textWidth = lineWidth === undefined ? undefined : lineWidth - head('', '', '', '').length - 2;
  if (textWidth !== undefined && textWidth < 2 * MIN_TEXT_WIDTH) return stackedTable(lineWidth ?? 0);
  const exercisesWidth = textWidth === undefined ? Math.max(...catalogue.map((entry) => entry.description.length)) : Math.floor(textWidth * 0.45);
  const catchesWidth = textWidth === undefined ? Infinity : textWidth - exercisesWidth;
  const lines = [`${head('SCENARIO', 'KIND', 'CPUS', 'BOUNDS')}${'EXERCISES'.padEnd(exercisesWidth)}  CATCHES`];
  for (const entry of catalogue) lines.push(...besideEachOther(head(entry.name, entry.kind, String(entry.cpuCount), boundsOf(entry)), entry.description, exercisesWidth, entry.catches, catchesWidth));
  return `${lines.join('\n')}\n`;
}

/** On a line too narrow for the columns: a scenario to a block, its name, then each field on lines of its own, wrapped to the line. */
function stackedTable(lineWidth: number): string {
  const lines: string[] = [];
  for (const entry of catalogue) {
    const bounds = entry.kind === 'checked' ? `bounds ${boundsOf(entry)}` : 'no bounds';
    lines.push(entry.name, ...under('kind:      ', `${entry.kind}, ${entry.cpuCount} CPUs, ${bounds}`, lineWidth));
    lines.push(...under('exercises: ', entry.description, lineWidth), ...under('catches:   ', entry.catches, lineWidth));
  }
  return `${lines.join('\n')}\n`;
}

function boundsOf(entry: CatalogueScenario): string {
  return entry.kind === 'checked' ? `p${entry.bounds.preemptions} i${entry.bounds.irqs}` : '-';
}

/** Two texts in columns after `row`, each wrapped in its own; the lines after the first are indented under them. */
function besideEachOther(row: string, left: string, leftWidth: number, right: string, rightWidth: number): string[] {
  const lefts = wrap(left, leftWidth);
  const rights = wrap(right, rightWidth);
  return Array.from({ length: Math.max(lefts.length, rights.length) }, (_, index) => {
    const start = index === 0 ? row : ' '.repeat(row.length);
    return `${start}${(lefts[index] ?? '').padEnd(leftWidth)}  ${rights[index] ?? ''}`.trimEnd();
  });
}

/** A text under its row, after a label, wrapped to the line. */
function under(label: string, text: string, lineWidth: number): string[] {
  const indent = `    ${' '.repeat(label.length)}`;
  return wrap(text, Math.max(MIN_TEXT_WIDTH, lineWidth - indent.length)).map((piece, index) => `${index === 0 ? `    ${label}` : indent}${piece}`);
}
