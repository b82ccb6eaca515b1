import { createMachine, formatChromeTrace, formatFtrace, ok, parseChoiceList, runScenario, type ConfigError, type Result, type TraceEvent } from '@kmodsim/cpu';
import { FairRoundRobin, LIVELOCK_CONFIRM_STEPS } from './fair-round-robin.js';
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
 * kmodsim no longer fits the run; that is reported as a divergence, never replayed wrongly. A
 * schedule that is not one at all, or a target the machine cannot take, is the ConfigError.
 */
export function replay(target: ExploreTarget, schedule: string): Result<ReplayResult, ConfigError> {
  const run = runScenario(target.scenario, { cpuCount: target.cpuCount, profile: target.profile ?? 'generic', memoryModel: target.memoryModel ?? 'sc', schedule, trace: true });
  if (!run.ok) return run;
  const fault = run.value.fault;
  const trace = run.value.trace.length > 0 ? run.value.trace : fault?.trace ?? [];
  if (fault?.kind === 'replay-diverged' && !fault.message.includes('the schedule ends after')) {
    return ok({ reproduced: false, divergence: fault.message, trace });
  }
  if (fault?.kind === 'replay-diverged') {
    // Cut short: a livelock's schedule stops while its CPUs still spin. The trace shows the loop up to there.
    const livelock = confirmLivelock(target, schedule, run.value.steps);
    // The replay's own "schedule ends" event is no part of the livelock's story.
    if (livelock !== undefined) return ok({ reproduced: true, trace: trace.filter((event) => event.name !== 'fault'), fault: { kind: 'livelock', message: livelock } });
  }
  return ok({ reproduced: true, trace, ...(fault === undefined ? {} : { fault: { kind: fault.kind, message: fault.message } }) });
}

/**
 * Runs the schedule again and then on under round-robin (interrupts arriving now and then): a run still going LIVELOCK_CONFIRM_STEPS
 * later is a livelock (said so), one that ends was only cut short (undefined).
 */
function confirmLivelock(target: ExploreTarget, schedule: string, scheduledSteps: number): string | undefined {
  const choices = parseChoiceList(schedule.trim().split(':').slice(2).join(':'));
  if (!choices.ok) return undefined;
  const created = createMachine({ cpuCount: target.cpuCount, profile: target.profile ?? 'generic', memoryModel: target.memoryModel ?? 'sc', schedule: new FairRoundRobin(schedule, choices.value), maxSteps: scheduledSteps + LIVELOCK_CONFIRM_STEPS, recordChoices: false });
  if (!created.ok) return undefined;
  const machine = created.value;
  try {
    target.scenario.setup(machine);
  } catch {
    return undefined;
  }
  machine.run();
  if (machine.fault?.kind !== 'step-limit') return undefined;
  return `the schedule ends after ${choices.value.length} choices with the run still going, and ${LIVELOCK_CONFIRM_STEPS} more steps under round-robin, with interrupts arriving, do not end it`;
}

export interface ViolationReport {
  readonly violation: Violation;
  readonly ftrace: string;
  readonly chromeJson: string;
  readonly columns: string;
}

/** Everything a person needs to read a violation: the trace two ways and a column per CPU. */
export function describeViolation(target: ExploreTarget, violation: Violation, ghz = 2, columnRows = Infinity, lineWidth?: number): ViolationReport {
  const replayed = replay(target, violation.schedule);
  const trace = replayed.ok ? replayed.value.trace : [];
  return {
    violation,
    ftrace: formatFtrace(trace, target.cpuCount),
    chromeJson: formatChromeTrace(trace, target.cpuCount, ghz),
    columns: formatColumns(trace, target.cpuCount, violation.setupSteps, columnRows, lineWidth),
  };
}

/** The narrowest a CPU's column gets; a wider line (a terminal's width) widens every column. */
const MIN_COLUMN_WIDTH = 44;
/** The step number and the separators around the columns. */
const STEP_WIDTH = 7;

/**
 * The interleaving as a table with one column per CPU, one row per step after setup, the way
 * dscheck and Lincheck show one: what each CPU did, in the order it happened.
 */
export function formatColumns(trace: readonly TraceEvent[], cpuCount: number, fromStep: number, maxRows = Infinity, lineWidth?: number): string {
  const width = lineWidth === undefined ? MIN_COLUMN_WIDTH : Math.max(MIN_COLUMN_WIDTH, Math.floor((lineWidth - STEP_WIDTH) / cpuCount) - 2);
  const header = ['step ', ...Array.from({ length: cpuCount }, (_, cpu) => `CPU ${cpu}`.padEnd(width))].join('| ');
  const shown = trace.filter((event) => event.step > fromStep && event.name !== 'sched_switch');
  // A livelock runs to the step bound: its last rows show the loop, and the replay prints them all.
  const hidden = Math.max(0, shown.length - maxRows);
  const rows = shown.slice(hidden).map((event) => {
    const cells = Array.from({ length: cpuCount }, () => ''.padEnd(width));
    cells[event.cpu] = clip(`${event.comm}: ${event.name} ${event.detail}`, width).padEnd(width);
    return [String(event.step).padEnd(5), ...cells].join('| ').trimEnd();
  });
  const skipped = hidden > 0 ? [`… ${hidden} earlier rows not shown (the replay command prints them all)`] : [];
  return [header.trimEnd(), '-'.repeat(header.trimEnd().length), ...skipped, ...rows].join('\n') + '\n';
}

function clip(text: string, width: number): string {
  return text.length <= width - 1 ? text : `${text.slice(0, width - 2)}…`;
}
