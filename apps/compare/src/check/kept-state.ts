import { SearchError, explore, type Bounds, type ExploreReport, type ExploreTarget } from '@kmodsim/explore';

// A strategy that keeps state it changes in JavaScript (a `count++` on a variable) changes it
// inside one simulated step: the search cannot interleave that change with another CPU's, so the
// races such state has in a real kernel are invisible to it, and finding nothing proves nothing.
// The search shows such state when a run rewound to the checkpoint after setup goes differently
// from a fresh boot (it then searches again booting afresh, and says why in bootedAfresh); a
// pair that shows it is not certified CLEAN. What it found stands: a violation replays.

/** Executions of the checkpointed search that looks for such state when check ran with checkpoints off: every one of them is compared with a fresh boot. */
const PROBE_EXECUTIONS = 64;

/** Why a pair's CLEAN is none: the reason its row gives, and what showed the state (the search's own words, for stderr). */
export interface KeptState {
  readonly reason: string;
  readonly evidence: string;
}

/**
 * Why a search that found nothing certifies nothing, or undefined when its CLEAN stands. With
 * checkpoints off nothing was compared, so a short search with them on (`probe`) looks.
 * A scenario whose machine cannot be snapshotted cannot be looked at this way: its CLEAN stands.
 */
export function keptState(strategy: string, report: ExploreReport, probe: () => ExploreReport | undefined): KeptState | undefined {
  const afresh = report.bootedAfresh?.reason === 'off' ? probe()?.bootedAfresh : report.bootedAfresh;
  if (afresh?.reason !== 'diverged') return undefined;
  const reason = `not certified CLEAN: ${strategy} keeps state outside simulated memory (a run from the checkpoint after setup went differently from a fresh boot), `
    + `and a change to that state is no step the search can interleave with another CPU's, so finding nothing in ${report.counts.executions} executions proves nothing; `
    + 'keep such state in simulated memory (alloc, load, store), where every access is a step';
  return { reason, evidence: afresh.why };
}

/** The short checkpointed search run when check's own ran with checkpoints off; undefined if it cannot run. */
export function probeWithCheckpoints(target: ExploreTarget, bounds: Bounds): ExploreReport | undefined {
  try {
    const { preemptions, irqs, steps } = bounds;
    return explore(target, { mode: 'exhaustive', preemptions, irqs, maxSteps: steps, maxExecutions: PROBE_EXECUTIONS, checkpoints: true });
  } catch (error) {
    // The real search, booting afresh, ran: a probe that cannot is no evidence either way.
    if (error instanceof SearchError) return undefined;
    throw error;
  }
}
