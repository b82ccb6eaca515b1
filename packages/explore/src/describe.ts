import { formatChromeTrace, formatFtrace, runScenario, type TraceEvent } from '@kmodsim/cpu';
import type { Violation } from './execution.js';
import type { ExploreTarget } from './target.js';

export interface ReplayResult {
  /** The run fits the schedule: every choice was possible, in the same order. */
  readonly reproduced: boolean;
  /** Why not, when it did not. */
  readonly divergence?: string;
  readonly trace: readonly TraceEvent[];
  /** How the replayed run ended: a fault kind and message, or undefined for a clean end. */
  readonly fault?: { readonly kind: string; readonly message: string };
}

/**
 * Reruns one schedule with tracing on. A schedule from another version of the scenario or of
 * kmodsim no longer fits the run; that is reported as a divergence, never replayed wrongly.
 */
export function replay(target: ExploreTarget, schedule: string): ReplayResult | { readonly error: string } {
  const run = runScenario(target.scenario, { cpuCount: target.cpuCount, profile: target.profile ?? 'generic', schedule, trace: true });
  if (!run.ok) return { error: run.error.message };
  const fault = run.value.fault;
  const trace = run.value.trace.length > 0 ? run.value.trace : fault?.trace ?? [];
  if (fault?.kind === 'replay-diverged' && !fault.message.includes('the schedule ends after')) {
    return { reproduced: false, divergence: fault.message, trace };
  }
  return { reproduced: true, trace, ...(fault === undefined ? {} : { fault: { kind: fault.kind, message: fault.message } }) };
}

export interface ViolationReport {
  readonly violation: Violation;
  readonly ftrace: string;
  readonly chromeJson: string;
  readonly columns: string;
}

/** Everything a person needs to read a violation: the trace two ways and a column per CPU. */
export function describeViolation(target: ExploreTarget, violation: Violation, ghz = 2): ViolationReport {
  const replayed = replay(target, violation.schedule);
  const trace = 'error' in replayed ? [] : replayed.trace;
  return {
    violation,
    ftrace: formatFtrace(trace, target.cpuCount),
    chromeJson: formatChromeTrace(trace, target.cpuCount, ghz),
    columns: formatColumns(trace, target.cpuCount, violation.setupSteps),
  };
}

const COLUMN_WIDTH = 44;

/**
 * The interleaving as a table with one column per CPU, one row per step after setup, the way
 * dscheck and Lincheck show one: what each CPU did, in the order it happened.
 */
export function formatColumns(trace: readonly TraceEvent[], cpuCount: number, fromStep: number): string {
  const header = ['step ', ...Array.from({ length: cpuCount }, (_, cpu) => `CPU ${cpu}`.padEnd(COLUMN_WIDTH))].join('| ');
  const rows = trace
    .filter((event) => event.step > fromStep && event.name !== 'sched_switch')
    .map((event) => {
      const cells = Array.from({ length: cpuCount }, () => ''.padEnd(COLUMN_WIDTH));
      cells[event.cpu] = clip(`${event.comm}: ${event.name} ${event.detail}`).padEnd(COLUMN_WIDTH);
      return [String(event.step).padEnd(5), ...cells].join('| ').trimEnd();
    });
  return [header.trimEnd(), '-'.repeat(header.trimEnd().length), ...rows].join('\n') + '\n';
}

function clip(text: string): string {
  return text.length <= COLUMN_WIDTH - 1 ? text : `${text.slice(0, COLUMN_WIDTH - 2)}…`;
}
