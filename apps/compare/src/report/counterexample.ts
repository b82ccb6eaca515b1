import { formatChromeTrace, profiles, type ProfileName } from '@kmodsim/cpu';
import { replay, type ExploreTarget, type Violation } from '@kmodsim/explore';
import { counterexampleRows } from '../check/columns.js';
import type { Counterexample, PerfettoTrace, TimelineRow } from './report-data.js';

/** Rows of a timeline at most: a livelock's replay runs its loop for 100,000 steps, the end of which says it all. */
const TIMELINE_ROWS = 400;
/** Events of a Perfetto trace at most (the latest), so that a livelock's does not make the page tens of megabytes. */
const PERFETTO_EVENTS = 5_000;

/** Trace events the machine records where it catches a fault: a task's oops, or the fault that stopped it. */
const FAULT_EVENTS: ReadonlySet<string> = new Set(['fault', 'oops']);

/**
 * A violation replayed into what the page shows: a row per step after setup on the CPU that took
 * it, the fault marked, and its trace for Perfetto. A failed invariant or a livelock is caught
 * after the run, by no step of it: its row comes last, on the CPU the search names.
 */
export function counterexampleOf(id: string, target: ExploreTarget, violation: Violation, replayCommand: string): Counterexample {
  const run = replay(target, violation.schedule);
  const trace = run.ok ? run.value.trace : [];
  const { rows, hidden } = counterexampleRows(trace, violation.setupSteps, TIMELINE_ROWS);
  const timeline: TimelineRow[] = rows.map((row) => ({ step: row.step, cpu: row.cpu, text: row.text, fault: FAULT_EVENTS.has(row.name) }));
  if (!timeline.some((row) => row.fault)) {
    timeline.push({ step: null, cpu: violation.cpu >= 0 && violation.cpu < target.cpuCount ? violation.cpu : null, text: `${violation.kind}: ${violation.message}`, fault: true });
  }
  const dropped = Math.max(0, trace.length - PERFETTO_EVENTS);
  const perfetto = JSON.parse(formatChromeTrace(trace.slice(dropped), target.cpuCount, ghzOf(target.profile))) as PerfettoTrace;
  return {
    id,
    kind: violation.kind,
    message: violation.message,
    preemptions: violation.preemptions,
    irqs: violation.irqs,
    steps: violation.steps,
    cpuCount: target.cpuCount,
    replay: replayCommand,
    timeline,
    hiddenRows: hidden,
    perfetto,
    perfettoDropped: dropped,
  };
}

/** The clock of the profile the search ran on, to time the trace as the machine did. */
function ghzOf(profile: string | undefined): number {
  const name = (profile ?? 'generic') as ProfileName;
  return name in profiles ? profiles[name].ghz : profiles.generic.ghz;
}
