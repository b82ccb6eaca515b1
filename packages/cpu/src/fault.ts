import type { TraceEvent } from './trace.js';

/** What the machine detected. Faults are values: a run that faults returns one, it never throws. */
export type FaultKind =
  | 'use-after-free'
  | 'call-into-freed-code'
  | 'invalid-access'
  | 'sleeps-forever'
  | 'deadlock'
  | 'step-limit'
  | 'assertion'
  | 'invalid-op'
  | 'exception'
  | 'replay-diverged';

export interface Fault {
  readonly kind: FaultKind;
  readonly message: string;
  /** CPU and task where it was detected (-1 / 0 when it belongs to no one CPU, as a deadlock). */
  readonly cpu: number;
  readonly pid: number;
  readonly comm: string;
  /** Steps performed before the fault and the faulting CPU's cycle count. */
  readonly step: number;
  readonly cycles: number;
  /** A short, versioned schedule string that replays this run exactly. */
  readonly schedule: string;
  /** The exact list of choices made, as a schedule string; replays the run under any scheduler. */
  readonly choices: string;
  /** The trace up to the fault: empty when the run was not traced (runScenario traces it by replaying). */
  readonly trace: readonly TraceEvent[];
}
