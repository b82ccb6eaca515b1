import type { CompareIo } from '../io.js';

// What check shows on a terminal while it searches: pairs done of all, the pair (or pairs, with
// --workers) being searched and its executions so far, and about how long is left. One line on
// stderr, redrawn at most ten times a second and cleared before anything else is printed; never
// shown when stderr is not a terminal, nor with --quiet.

const REDRAW_MS = 100;

interface Running {
  readonly label: string;
  executions: number;
  /** Its search has begun (a pair queued for a worker thread has not). */
  searching: boolean;
}

export class CheckProgress {
  private done = 0;
  private readonly total: number;
  /** Of the pairs' estimated costs (`weights`), those of the pairs done and of all. */
  private doneWeight = 0;
  private readonly totalWeight: number;
  private readonly running = new Map<number, Running>();
  private readonly startedMs: number | undefined;
  private drawnMs = -Infinity;
  private drawn = false;

  /** `weights`: each pair to search, by key, and its estimated cost in any unit (pairs differ by thousands of times). */
  constructor(private readonly weights: ReadonlyMap<number, number>, private readonly io: CompareIo, private readonly shown: boolean) {
    this.total = weights.size;
    this.totalWeight = sumOf(weights.values());
    this.startedMs = io.now?.();
  }

  /** The wall clock the progress is timed by, if the command has one. */
  now(): number | undefined {
    return this.io.now?.();
  }

  queued(key: number, label: string): void {
    this.running.set(key, { label, executions: 0, searching: false });
  }

  /** The pair's search has run this many executions (0: it has just begun). */
  executions(key: number, executions: number): void {
    const running = this.running.get(key);
    if (running === undefined) return;
    const began = !running.searching;
    running.searching = true;
    running.executions = executions;
    this.draw(began);
  }

  finished(key: number): void {
    this.running.delete(key);
    this.done++;
    this.doneWeight += this.weights.get(key) ?? 0;
    this.draw(true);
  }

  /** Takes the line off the terminal, so that a verdict or a note is printed on a clean line. */
  clear(): void {
    if (!this.drawn) return;
    this.io.stderr.write('\r\u001b[K');
    this.drawn = false;
  }

  private draw(always: boolean): void {
    if (!this.shown || this.done >= this.total) return;
    const now = this.io.now?.();
    if (!always && now !== undefined && now - this.drawnMs < REDRAW_MS) return;
    this.drawnMs = now ?? this.drawnMs;
    this.io.stderr.write(`\r\u001b[K${clipped(this.line(now), this.io.stderrColumns)}`);
    this.drawn = true;
  }

  private line(now: number | undefined): string {
    const parts = [`${this.done} of ${this.total} pairs done`];
    const [first, ...others] = [...this.running.values()].filter((running) => running.searching);
    if (first !== undefined) parts.push(`${first.label}: ${first.executions.toLocaleString('en-US')} executions${others.length > 0 ? ` (and ${others.length} more searching)` : ''}`);
    const left = this.estimateLeftMs(now);
    if (left !== undefined) parts.push(`about ${duration(left)} left`);
    return parts.join(' · ');
  }

  /**
   * The time left at the pace so far, in estimated cost (pairs done by then at their estimates,
   * or by count when those say nothing): a rough guide that firms up as pairs finish.
   */
  private estimateLeftMs(now: number | undefined): number | undefined {
    if (now === undefined || this.startedMs === undefined || this.done === 0) return undefined;
    const [done, total] = this.doneWeight > 0 ? [this.doneWeight, this.totalWeight] : [this.done, this.total];
    return ((now - this.startedMs) / done) * (total - done);
  }
}

function sumOf(values: Iterable<number>): number {
  let sum = 0;
  for (const value of values) sum += value;
  return sum;
}

function duration(ms: number): string {
  const seconds = Math.max(1, Math.round(ms / 1000));
  if (seconds < 90) return `${seconds} s`;
  const minutes = Math.round(seconds / 60);
  return minutes < 90 ? `${minutes} min` : `${Math.round(minutes / 60)} h`;
}

/**
 * The line cut to fit the terminal: a line that wraps onto a second row would not be taken off by
 * the carriage return and erase that clear() writes, and each redraw would leave a row behind.
 * One column is left free, as the cursor after a full row may already sit on the next.
 */
function clipped(line: string, columns: number | undefined): string {
  if (columns === undefined || columns < 2 || line.length < columns) return line;
  return `${line.slice(0, columns - 2)}…`;
}
