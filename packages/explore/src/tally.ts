import type { Outcome, Violation } from './execution.js';

export interface SearchProgress {
  readonly executions: number;
  readonly violations: number;
}

export interface SearchCounts {
  /** Executions run, whole or cut short. */
  readonly executions: number;
  /** Executions that ran to their end (with or without a violation). */
  readonly completed: number;
  /** Executions cut short because everything left was equivalent to what was explored (sleep sets). */
  readonly pruned: number;
  /** Executions cut short by a bound: going on needed more preemptions or interrupts than allowed. */
  readonly cut: number;
  /** Different final states among the completed executions. */
  readonly distinctOutcomes: number;
  /** True when the search covered everything within its bounds. */
  readonly exhausted: boolean;
  /**
   * Different Mazurkiewicz traces among the completed executions (orders of dependent steps), when
   * asked for: in a search without reduction, the fewest executions a reduction could need.
   */
  readonly distinctTraces?: number;
}

const PROGRESS_EVERY = 1000;

/** Counts executions and keeps violations as a search goes. */
export class SearchTally {
  executions = 0;
  completed = 0;
  pruned = 0;
  cut = 0;
  exhausted = false;
  readonly violations: Violation[] = [];
  private readonly outcomes = new Set<string>();
  private traces: Set<string> | undefined;

  constructor(private readonly onProgress?: (progress: SearchProgress) => void) {}

  record(outcome: Outcome): void {
    this.executions++;
    switch (outcome.kind) {
      case 'complete':
        this.completed++;
        this.outcomes.add(outcome.signature);
        break;
      case 'violation':
        this.completed++;
        this.outcomes.add(`violation:${outcome.violation.kind}`);
        this.violations.push(outcome.violation);
        break;
      case 'pruned':
        this.pruned++;
        break;
      case 'cut':
        this.cut++;
        break;
    }
    if (this.onProgress !== undefined && this.executions % PROGRESS_EVERY === 0) {
      this.onProgress({ executions: this.executions, violations: this.violations.length });
    }
  }

  recordTrace(fingerprint: string): void {
    (this.traces ??= new Set()).add(fingerprint);
  }

  shouldStop(stopAtFirstViolation: boolean, maxExecutions: number): boolean {
    return (stopAtFirstViolation && this.violations.length > 0) || this.executions >= maxExecutions;
  }

  /** The distinct final states seen, as the keys distinctOutcomes counts. */
  outcomeKeys(): string[] {
    return [...this.outcomes];
  }

  finishedSearch(): void {
    this.exhausted = true;
  }

  counts(): SearchCounts {
    return {
      executions: this.executions,
      completed: this.completed,
      pruned: this.pruned,
      cut: this.cut,
      distinctOutcomes: this.outcomes.size,
      exhausted: this.exhausted,
      ...(this.traces === undefined ? {} : { distinctTraces: this.traces.size }),
    };
  }
}
