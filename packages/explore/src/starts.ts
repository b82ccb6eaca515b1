import type { MachineSnapshot } from '@kmodsim/cpu';
import type { Outcome } from './execution.js';
import { CheckpointError, ScenarioSetupError } from './search-errors.js';
import { startExecution, type ExploreTarget, type StartedExecution } from './target.js';

// Where each execution of a search starts. Setting a scenario up boots its kernel, which costs
// more than many of its executions; so the first execution's machine is snapshotted right after
// setup (a checkpoint), and every later one rewinds that machine to it, which puts back its
// memory, tasks and the kernel's host-side state (see Machine.rewind and HostState). Code that
// keeps state the machine was not given would make a rewound run differ from a fresh one, so
// some executions (the 2nd, 4th, 8th, ...) boot afresh all the same: the search replays each
// execution's prefix against what earlier ones did, and a difference between the two kinds of
// start is then caught and blamed on the checkpoint (see exhaustive.ts).

/** An execution's machine, and whether it was rewound to the checkpoint or booted afresh. */
export interface Start extends StartedExecution {
  readonly rewound: boolean;
}

interface Checkpoint extends StartedExecution {
  readonly snapshot: MachineSnapshot;
}

/** Why a search booted every execution afresh instead of starting from the checkpoint after setup. */
export interface BootedAfresh {
  /** `off`: asked to; `no-snapshot`: the machine cannot be snapshotted after setup; `diverged`: state the checkpoint did not put back (the search ran again afresh). */
  readonly reason: 'off' | 'no-snapshot' | 'diverged';
  readonly why: string;
}

export class ExecutionStarts {
  private checkpoint: Checkpoint | undefined;
  /** Why no checkpoint is used (undefined while one is, or has not been tried yet). */
  private refusal: BootedAfresh | undefined;
  private started = 0;

  /** `checkpoints` false boots every execution afresh. */
  constructor(private readonly target: ExploreTarget, checkpoints: boolean) {
    if (!checkpoints) this.refusal = { reason: 'off', why: 'checkpoints are off' };
  }

  /** Why executions boot afresh, or undefined while they start from the checkpoint. */
  get withoutCheckpoint(): BootedAfresh | undefined {
    return this.refusal;
  }

  /** The next execution's start. */
  next(): Start {
    this.started++;
    if (this.checkpoint === undefined) return this.refusal === undefined ? this.first() : this.fresh();
    // A power of two boots afresh, as a check on the checkpoint.
    return (this.started & (this.started - 1)) === 0 ? this.fresh() : this.rewound(this.checkpoint);
  }

  /** A start of the other kind than `start`, to tell whether a difference comes from the checkpoint; undefined without one. */
  other(start: Start): Start | undefined {
    if (this.checkpoint === undefined) return undefined;
    return start.rewound ? this.fresh() : this.rewound(this.checkpoint);
  }

  private first(): Start {
    const started = this.boot(true);
    const taken = started.machine.snapshot();
    if (!taken.ok) {
      this.refusal = { reason: 'no-snapshot', why: `the scenario's machine cannot be snapshotted after setup: ${taken.message}` };
      return { ...started, rewound: false };
    }
    this.checkpoint = { ...started, snapshot: taken.value };
    // Rewound at once, without replay logs: the search takes no further snapshot, so its
    // executions need not pay for them.
    return this.rewound(this.checkpoint);
  }

  private fresh(): Start {
    return { ...this.boot(false), rewound: false };
  }

  private rewound(checkpoint: Checkpoint): Start {
    const rewound = checkpoint.machine.rewind(checkpoint.snapshot, { replayLogs: false });
    if (!rewound.ok) throw new ScenarioSetupError(`rewinding to the checkpoint after setup failed: ${rewound.message}`);
    return { machine: checkpoint.machine, check: checkpoint.check, rewound: true };
  }

  private boot(snapshots: boolean): StartedExecution {
    const started = startExecution(this.target, snapshots);
    if (!started.ok) throw new ScenarioSetupError(started.message);
    return started.value;
  }
}

/** A run from the checkpoint and a run booted afresh differed under the same choices. */
const CHECKPOINT_DIVERGED = 'a run started from the checkpoint taken after setup went differently from one booted afresh under the same choices: the strategy or the scenario keeps state outside simulated memory that it did not hand to the machine, such as a variable or an object its code changes (hand it over with machine.keepHostState(), or search with checkpoints off)';

/** The error for a checkpoint that does not put everything back, with what differed. */
export function checkpointDiverged(detail: string): CheckpointError {
  return new CheckpointError(`${CHECKPOINT_DIVERGED} (${detail})`);
}

/**
 * A violation found from the checkpoint is reported only once the same choices, booted afresh,
 * give the same violation: what the search reports must replay as a user will replay it.
 */
export function confirmViolation(starts: ExecutionStarts, start: Start, outcome: Outcome, again: (other: Start) => Outcome): void {
  if (outcome.kind !== 'violation' || !start.rewound) return;
  const other = starts.other(start);
  if (other === undefined) return;
  let fresh: Outcome;
  try {
    fresh = again(other);
  } catch (error) {
    throw checkpointDiverged(`booted afresh, the run that found "${outcome.violation.message}" no longer fits: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (fresh.kind === 'violation' && fresh.violation.kind === outcome.violation.kind && fresh.violation.message === outcome.violation.message && fresh.violation.schedule === outcome.violation.schedule) return;
  const found = fresh.kind === 'violation' ? `${fresh.violation.kind}: ${fresh.violation.message}` : `no violation (${fresh.kind})`;
  throw checkpointDiverged(`from the checkpoint: ${outcome.violation.kind}: ${outcome.violation.message}; booted afresh: ${found}`);
}
