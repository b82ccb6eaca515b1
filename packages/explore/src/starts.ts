import { createPrng, type MachineSnapshot } from '@kmodsim/cpu';
import { ExecutionDriver, type Bounds, type Outcome } from './execution.js';
import { CheckpointError, NondeterminismError, ScenarioSetupError } from './search-errors.js';
import { startExecution, type ExploreTarget, type StartedExecution } from './target.js';

// Where each execution of a search starts. Setting a scenario up boots its kernel, which costs
// more than many of its executions; so the machine is snapshotted right after setup (a
// checkpoint), and every execution rewinds it there, which puts back its memory, tasks and the
// kernel's host-side state (see Machine.rewind and HostState). Code that keeps state the machine
// was not given would make a rewound run differ from a fresh one, unseen: so a sample of the
// executions (each of the first 64, then every 256th and each power of two), and every one that
// finds a violation, is run again on a fresh boot and the two compared: outcome, steps and time.
// Each sampled run follows a run from the checkpoint stopped part-way, which leaves changed what
// a whole run would have brought back (a count up in get, down in put). Any difference, or any
// run that no longer fits the choices earlier ones made, is a CheckpointError, and
// explore() searches again booting every execution afresh, where a run that does not fit means
// the scenario itself is not deterministic.

/** An execution's machine, and whether it was rewound to the checkpoint or booted afresh. */
export interface Start extends StartedExecution {
  readonly rewound: boolean;
}

/** Every one of the first this many executions is checked against a fresh boot... */
const FIRST_SAMPLED = 64;
/**
 * ...then one in this many, and each power of two. A fresh boot costs about two executions, so
 * one in 64 spent a sixth of a large search on the check; state that drifts from run to run is
 * still caught at the powers of two, and state that breaks at once within the first 64.
 */
const SAMPLE_EVERY = 256;

interface Checkpoint extends StartedExecution {
  readonly snapshot: MachineSnapshot;
  /** The machine's step count at the checkpoint. */
  readonly setupSteps: number;
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
  /** The most steps an execution from the checkpoint has taken so far. */
  private longestRun = 0;

  /**
   * `checkpoints` false boots every execution afresh. `firstSampled`: how many of the first
   * executions are all checked (a subtree handed over by another worker checks fewer: the search
   * it came from has checked its own first ones, on the same checkpoint).
   */
  constructor(private readonly target: ExploreTarget, checkpoints: boolean, private readonly firstSampled = FIRST_SAMPLED, private replayLogs = false) {
    if (!checkpoints) this.refusal = { reason: 'off', why: 'checkpoints are off' };
  }

  /** Executions from now on keep no replay logs (a search by states handed over to partial-order reduction). */
  dropLogs(): void {
    this.replayLogs = false;
  }

  /** Why executions boot afresh, or undefined while they start from the checkpoint. */
  get withoutCheckpoint(): BootedAfresh | undefined {
    return this.refusal;
  }

  /** The next execution's start. */
  next(): Start {
    this.started++;
    // Booted afresh for the search itself, with replay logs when it tells states apart by them.
    if (this.checkpoint === undefined) return this.refusal === undefined ? this.first() : { ...this.boot(this.replayLogs), rewound: false };
    const checkpoint = this.checkpoint;
    this.longestRun = Math.max(this.longestRun, checkpoint.machine.stepCount - checkpoint.setupSteps);
    if (this.sampled) this.stopPartWay(checkpoint);
    return this.rewound(checkpoint);
  }

  /**
   * Before each sampled execution, a run from the checkpoint stopped part-way. State kept outside
   * the machine that every run taken to its end happens to leave as setup did (a count up in get
   * and down in put) is left changed by it, and the sampled run, compared with a fresh boot,
   * shows it. Searches stop runs part-way themselves (at a bound, or with every way on asleep),
   * but not always before a sampled one. Its steps are picked from the execution's number, so a
   * search stays reproducible.
   */
  private stopPartWay(checkpoint: Checkpoint): void {
    const driver = new ExecutionDriver(this.rewound(checkpoint).machine, undefined, PART_WAY_BOUNDS);
    const prng = createPrng(this.started);
    const steps = 1 + prng.below(Math.max(1, this.longestRun));
    let point = driver.nextPoint();
    for (let made = 0; made < steps && point !== undefined && point.choices.length > 0; made++, point = driver.nextPoint()) {
      driver.perform(point, prng.below(point.choices.length));
    }
  }

  /** Whether executions start from the checkpoint (so a run that does not fit may be its fault). */
  get fromCheckpoint(): boolean {
    return this.checkpoint !== undefined;
  }

  /** Whether the execution last started is one of the sample run again afresh. */
  get sampled(): boolean {
    const count = this.started;
    return count <= this.firstSampled || count % SAMPLE_EVERY === 0 || (count & (count - 1)) === 0;
  }

  private first(): Start {
    const started = this.boot(true);
    const taken = started.machine.snapshot();
    if (!taken.ok) {
      this.refusal = { reason: 'no-snapshot', why: `the scenario's machine cannot be snapshotted after setup: ${taken.message}` };
      return { ...started, rewound: false };
    }
    this.checkpoint = { ...started, snapshot: taken.value, setupSteps: started.machine.stepCount };
    // Rewound at once, without replay logs unless the search tells states apart by them
    // (state-search.ts): it takes no further snapshot, so its executions need not pay for them.
    return this.rewound(this.checkpoint);
  }

  /** A fresh boot with the scenario set up. */
  fresh(): Start {
    return { ...this.boot(false), rewound: false };
  }

  private rewound(checkpoint: Checkpoint): Start {
    const rewound = checkpoint.machine.rewind(checkpoint.snapshot, { replayLogs: this.replayLogs });
    if (!rewound.ok) throw new ScenarioSetupError(`rewinding to the checkpoint after setup failed: ${rewound.message}`);
    return { machine: checkpoint.machine, check: checkpoint.check, rewound: true };
  }

  private boot(snapshots: boolean): StartedExecution {
    const started = startExecution(this.target, snapshots);
    if (!started.ok) throw new ScenarioSetupError(started.message);
    return started.value;
  }
}

/** What a run stopped part-way may do: any run a search within these bounds could make. */
const PART_WAY_BOUNDS: Bounds = { preemptions: 2, irqs: 2, steps: 100_000 };

/** A run from the checkpoint and a run booted afresh differed under the same choices. */
const CHECKPOINT_DIVERGED = 'a run started from the checkpoint taken after setup went differently from one booted afresh under the same choices: the strategy or the scenario keeps state outside simulated memory that it did not hand to the machine, such as a variable or an object its code changes (hand it over with machine.keepHostState(), or search with checkpoints off)';

/** The error for a checkpoint that does not put everything back, with what differed. */
export function checkpointDiverged(detail: string): CheckpointError {
  return new CheckpointError(`${CHECKPOINT_DIVERGED} (${detail})`);
}

/**
 * A run from the checkpoint that found a violation, or is one of the sample, is run again on a
 * fresh boot (`again`), and the outcomes must agree: what the search reports must replay as a user
 * will replay it, and a clean verdict must be a fresh boot's.
 */
export function crossCheck(starts: ExecutionStarts, start: Start, outcome: Outcome, again: (fresh: Start) => Outcome): void {
  if (!start.rewound || (outcome.kind !== 'violation' && !starts.sampled)) return;
  const freshStart = starts.fresh();
  let fresh: Outcome;
  try {
    fresh = again(freshStart);
  } catch (error) {
    throw checkpointDiverged(`booted afresh, the run that ended in ${describeOutcome(outcome)} no longer fits: ${error instanceof NondeterminismError ? error.where : error instanceof Error ? error.message : String(error)}`);
  }
  if (!sameOutcome(outcome, fresh)) throw checkpointDiverged(`from the checkpoint: ${describeOutcome(outcome)}; booted afresh: ${describeOutcome(fresh)}`);
  // The same choices from the same state take the same steps in the same time: a run that ends
  // alike after one step more (a pause that state outside the machine decided) differs all the same.
  const [rewound, booted] = [start.machine, freshStart.machine];
  if (rewound.stepCount !== booted.stepCount || rewound.elapsedCycles !== booted.elapsedCycles) {
    throw checkpointDiverged(`both ended in ${describeOutcome(outcome)}, from the checkpoint after ${rewound.stepCount} steps and ${rewound.elapsedCycles} cycles, booted afresh after ${booted.stepCount} and ${booted.elapsedCycles}`);
  }
}

function sameOutcome(a: Outcome, b: Outcome): boolean {
  switch (a.kind) {
    case 'violation':
      return b.kind === 'violation' && a.violation.kind === b.violation.kind && a.violation.message === b.violation.message && a.violation.schedule === b.violation.schedule;
    case 'complete':
      return b.kind === 'complete' && a.signature === b.signature;
    case 'pruned':
    case 'cut':
      return a.kind === b.kind;
  }
}

function describeOutcome(outcome: Outcome): string {
  switch (outcome.kind) {
    case 'violation':
      return `${outcome.violation.kind}: ${outcome.violation.message}`;
    case 'complete':
      return `no violation, final state ${outcome.signature}`;
    case 'pruned':
    case 'cut':
      return `no violation (${outcome.kind})`;
  }
}
