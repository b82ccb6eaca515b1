import type { ExecutionContext, KernelCode } from '@kmodsim/cpu';

// What every stop_machine implementation offers. `fn` returns an int as in Linux: 0, or a
// negative errno that becomes stop_machine's result.

/** The function run with the machine stopped. */
export type StopFn = (self: ExecutionContext) => KernelCode<number>;

/** What one call cost, read from the machine's clocks (host-side observation, no simulated cost). */
export interface StopRound {
  readonly callerPid: number;
  /** Cycles from the call to its return, on the caller's CPU clock. */
  readonly callCycles: number;
  /** Per CPU: cycles it spent held by the stop (its stopper thread running the handshake); 0 if none. */
  readonly stoppedCycles: readonly number[];
  /** The CPUs that ran `fn`. */
  readonly fnCpus: readonly number[];
  readonly result: number;
}

export interface StopMachine {
  readonly variant: StopMachineVariant;
  /**
   * stop_machine(fn, data, cpus): runs `fn` on the CPUs in `cpus` (the first online CPU when
   * omitted) while every online CPU is held with interrupts off; resumes with `fn`'s result (the
   * last non-zero one when it ran on several CPUs). Sleeps, so only from task context with
   * preemption and interrupts on; concurrent callers serialize.
   */
  run(self: ExecutionContext, fn: StopFn, cpus?: readonly number[]): KernelCode<number>;
  /** The last finished call's figures. */
  readonly lastRound: StopRound | undefined;
}

/**
 * `cpu-stop`: today's stop_machine (kernel/stop_machine.c): permanent per-CPU stopper threads
 * at the top priority, woken for each call, following multi_cpu_stop()'s state machine.
 * `linux-2.6.0`: the first one (kernel/module.c's stop_refcounts): a SCHED_FIFO thread forked
 * per other CPU for each call; the caller holds its own CPU and runs `fn` itself.
 */
export type StopMachineVariant = 'cpu-stop' | 'linux-2.6.0';

export const STOP_MACHINE_VARIANTS: readonly StopMachineVariant[] = ['cpu-stop', 'linux-2.6.0'];

export function isStopMachineVariant(name: string): name is StopMachineVariant {
  return (STOP_MACHINE_VARIANTS as readonly string[]).includes(name);
}
