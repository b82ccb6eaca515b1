import type { MemoryModelName } from '@kmodsim/cpu';
import type { CostReport } from '../cost/cost-report.js';

// What `kmodsim-compare report` shows, as one value: the HTML page draws it and `--format json`
// writes it as it is, so another tool can plot the same figures.

/** A pair's verdict as check names it, or why there is none. */
export type CellVerdict = 'clean' | 'expected' | 'violation' | 'missed' | 'incomplete' | 'error' | 'n/a';

/** One step of a counterexample on the CPU that took it; `fault` marks where the machine (or the scenario's check) caught it. */
export interface TimelineRow {
  /** The machine's step number; null for a check made after the run (a failed invariant, a livelock confirmed). */
  readonly step: number | null;
  /** The CPU that took the step; null when the finding belongs to no CPU. */
  readonly cpu: number | null;
  readonly text: string;
  readonly fault: boolean;
}

/** Chrome trace-event JSON, which Perfetto opens: one track per CPU. */
export interface PerfettoTrace {
  readonly displayTimeUnit: string;
  readonly traceEvents: readonly unknown[];
}

/** A violation a search found, replayed: what happened on each CPU, and how to rerun it. */
export interface Counterexample {
  /** Unique in the report: the page's anchor for it. */
  readonly id: string;
  readonly kind: string;
  readonly message: string;
  readonly preemptions: number;
  readonly irqs: number;
  readonly steps: number;
  readonly cpuCount: number;
  /** The command that reruns it with its full trace. */
  readonly replay: string;
  readonly timeline: readonly TimelineRow[];
  /** Earlier steps left out of the timeline (a livelock's loop runs long); the replay prints them all. */
  readonly hiddenRows: number;
  readonly perfetto: PerfettoTrace;
  /** Events left out of the Perfetto trace, the earliest ones, for the same reason. */
  readonly perfettoDropped: number;
}

/** One strategy against one scenario. */
export interface MatrixCell {
  readonly strategy: string;
  readonly scenario: string;
  readonly verdict: CellVerdict;
  /** What was declared about the pair: nothing (clean), the scenario's own oops, or the strategy's known violation; null without a search. */
  readonly expectation: 'clean' | 'scenario-fault' | 'declared' | null;
  /** Not what the strategy declares: check's exit status is 1. */
  readonly surprise: boolean;
  readonly executions: number;
  /** The search's wall time; null when none ran or no clock was given. */
  readonly searchMs: number | null;
  readonly mode: string | null;
  readonly bounds: { readonly preemptions: number; readonly irqs: number } | null;
  /** One line: what was found, or why there is no verdict. */
  readonly detail: string;
  readonly counterexample: Counterexample | null;
}

export interface Matrix {
  readonly strategies: readonly string[];
  readonly scenarios: readonly string[];
  /** Strategy by strategy, each scenario in order. */
  readonly cells: readonly MatrixCell[];
  /** Every verdict is as declared (check's exit status 0). */
  readonly asDeclared: boolean;
  /** The memory model of the machine every pair was searched on. */
  readonly memory: MemoryModelName;
}

/** A strategy at a glance: the matrix's answer and the prices that matter most. */
export interface StrategySummary {
  readonly strategy: string;
  /** sound: no violation of its own found; unsound: one was; unknown: a search could not give a verdict and none was found. */
  readonly soundness: 'sound' | 'unsound' | 'unknown';
  /** The violation kinds of its own the matrix found, and where. */
  readonly findings: readonly string[];
  readonly waitsForUsers: boolean | null;
  readonly stopsMachine: boolean | null;
  /** get+put nanoseconds with every CPU using the module, at 1, 64 and 1024 CPUs (null where not priced). */
  readonly getPutNs: { readonly cpus: number; readonly ns: number | null }[];
  readonly memoryBytesAt1024: number | null;
  /** Why the strategy has no prices, when its pricing faulted. */
  readonly costError: string | null;
}

export interface ReportData {
  readonly title: string;
  /** The command line that made the report, to make it again. */
  readonly command: string;
  readonly matrix: Matrix;
  /** null when no price was asked for or could be had (see costNote). */
  readonly cost: CostReport | null;
  readonly costNote: string | null;
  readonly summaries: readonly StrategySummary[];
}
