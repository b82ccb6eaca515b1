import type { TraceEvent } from '@kmodsim/cpu';

/** The narrowest a CPU's column gets on a narrow line: a longer cell wraps onto more lines, it is never cut. */
const MIN_CELL_WIDTH = 12;
/** The step number's column ("step"), before the first separator. */
const STEP_WIDTH = 5;
/** A space either side of the rule, so that a cell that fills its column never touches it. */
const SEPARATOR = ' | ';

/**
 * A counterexample as a table with one column per CPU, one row per step after `fromStep` (the
 * last `maxRows` of them), the way dscheck and Lincheck show one. Without a line width every
 * cell is whole on one line; with one, the columns share it and a cell that does not fit wraps.
 */
export function counterexampleColumns(trace: readonly TraceEvent[], cpuCount: number, fromStep: number, maxRows: number, lineWidth: number | undefined): string {
  const { rows: kept, hidden } = counterexampleRows(trace, fromStep, maxRows);
  const longest = Math.max(`CPU ${cpuCount - 1}`.length, ...kept.map((row) => row.text.length));
  const width = lineWidth === undefined
    ? longest
    : Math.min(longest, Math.max(MIN_CELL_WIDTH, Math.floor((lineWidth - STEP_WIDTH) / cpuCount) - SEPARATOR.length));
  const line = (step: string, cells: readonly string[]): string => [step.padEnd(STEP_WIDTH), ...cells.map((cell) => cell.padEnd(width))].join(SEPARATOR).trimEnd();
  const header = line('step', Array.from({ length: cpuCount }, (_, cpu) => `CPU ${cpu}`));
  const rows = kept.flatMap((row) => wrap(row.text, width).map((piece, index) => {
    const cells = Array.from({ length: cpuCount }, () => '');
    cells[row.cpu] = piece;
    return line(index === 0 ? String(row.step) : '', cells);
  }));
  const skipped = hidden > 0 ? [`… ${hidden} earlier rows not shown (the replay command prints them all)`] : [];
  return [header, '-'.repeat(header.length), ...skipped, ...rows].join('\n') + '\n';
}

/** One step of a counterexample: which CPU did it and what it did. */
export interface CounterexampleRow {
  readonly step: number;
  readonly cpu: number;
  /** The trace event's name ('fault' and 'oops' for what the machine caught). */
  readonly name: string;
  readonly text: string;
}

/** The steps after `fromStep` a counterexample shows (not the scheduler's switches), the last `maxRows` of them, and how many earlier ones are left out. */
export function counterexampleRows(trace: readonly TraceEvent[], fromStep: number, maxRows: number): { rows: CounterexampleRow[]; hidden: number } {
  const shown = trace.filter((event) => event.step > fromStep && event.name !== 'sched_switch');
  const hidden = Math.max(0, shown.length - maxRows);
  const rows = shown.slice(hidden).map((event) => ({ step: event.step, cpu: event.cpu, name: event.name, text: `${event.comm}: ${event.name} ${event.detail}`.trimEnd() }));
  return { rows, hidden };
}

/**
 * `text` in lines of at most `width` characters, broken at spaces, so that a name
 * (`demo_chardev.live`) stays whole on one line; only a word longer than a whole line is cut,
 * after a `.` or before a `[` where it has one, so that its parts still read as names.
 */
export function wrap(text: string, width: number): string[] {
  const pieces: string[] = [];
  let line = '';
  for (const word of text.split(' ').filter((part) => part !== '')) {
    if (line !== '' && line.length + 1 + word.length <= width) {
      line += ` ${word}`;
      continue;
    }
    if (line !== '') pieces.push(line);
    line = word;
    while (line.length > width) {
      const cut = wordCut(line, width);
      pieces.push(line.slice(0, cut));
      line = line.slice(cut);
    }
  }
  pieces.push(line);
  return pieces;
}

/** Where to cut a word longer than `width`: after the last `.` or before the last `[` that leaves at least half a line, else at the width. */
function wordCut(word: string, width: number): number {
  const dot = word.lastIndexOf('.', width - 1) + 1;
  const bracket = word.lastIndexOf('[', width);
  const best = Math.max(dot, bracket);
  return best > width / 2 ? best : width;
}

/**
 * The line width a counterexample's columns get: the terminal's when stdout is one, else
 * COLUMNS from the environment when it is set, else none (cells whole, however long).
 */
export function counterexampleWidth(terminalColumns: number | undefined, env: Readonly<Record<string, string | undefined>>): number | undefined {
  if (terminalColumns !== undefined && terminalColumns > 0) return terminalColumns;
  const fromEnv = Number(env['COLUMNS']);
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : undefined;
}
