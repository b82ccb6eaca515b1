import { createMachine, fail, ok, type Failure, type Machine, type MachineProfile, type Result, type Scheduler } from '@kmodsim/cpu';
import type { KernelModule, ModuleCore } from '@kmodsim/module';
import type { RefcountStrategy } from '@kmodsim/refcount';
import { bootDemoKernel } from '../demo/boot.js';

// What every cost run shares: a fresh machine of the size priced, the demo kernel booted on it
// under the strategy with demo_lib loaded (a module nothing else uses), and one way of saying
// that the strategy's code faulted instead of giving a figure.

/** The machine a figure is priced on: its size and the profile that charges its cycles. */
export interface CostMachineOptions {
  /** 1 to 1024. */
  readonly cpuCount: number;
  /** A profile name from @kmodsim/cpu's `profiles`, or a profile of the caller's own. */
  readonly profile: string | MachineProfile;
}

/**
 * A cost run that could not give its figure: the machine faulted, a system call the run needs
 * failed, or the strategy threw. Always the strategy's doing, since the demo kernel's part of the
 * run is the same for every strategy: EFAULT with the reason, for an ERROR cell.
 */
export type CostFailure = Failure<'EFAULT'>;

export type CostResult<T> = Result<T, CostFailure>;

/** The module every cost run takes references to and unloads. */
export const COST_MODULE = 'demo_lib';

/**
 * The step bound of a cost run: a strategy that never finishes is an ERROR, not a hang. A
 * contended lock makes every CPU spin through every hand-off, so steps grow with the square of
 * the CPUs; this is several times what the slowest built-in design takes at each size.
 */
function maxStepsFor(cpuCount: number): number {
  return Math.max(2_000_000, 100 * cpuCount * cpuCount);
}

export interface CostMachine {
  readonly machine: Machine;
  readonly core: ModuleCore;
  readonly module: KernelModule;
}

/**
 * A fresh machine with the demo kernel booted under `strategy` and demo_lib loaded, scheduled
 * round-robin or by `scheduler` (which makes the boot's choices too). Throws only for options
 * no machine can have.
 */
export function bootCostMachine(strategy: RefcountStrategy, options: CostMachineOptions, scheduler?: Scheduler): CostResult<CostMachine> {
  const created = createMachine({ cpuCount: options.cpuCount, profile: options.profile, maxSteps: maxStepsFor(options.cpuCount), recordChoices: false, ...(scheduler === undefined ? {} : { schedule: scheduler }) });
  if (!created.ok) throw new RangeError(created.message);
  const machine = created.value;
  return attempt(strategy, options.cpuCount, 'booting with demo_lib', () => {
    const core = bootDemoKernel(machine, { strategy, modules: [COST_MODULE] });
    const module = core.find(COST_MODULE);
    if (module === undefined) throw new Error(`${COST_MODULE} did not load`);
    return ok({ machine, core, module });
  });
}

/** Runs the machine to its end: the strategy's code faulting there is the run's failure. */
export function runToEnd(machine: Machine, strategy: RefcountStrategy, what: string): CostResult<undefined> {
  const result = machine.run();
  return result.ok ? ok(undefined) : costFailure(strategy, machine.cpuCount, what, `${result.fault.kind}: ${result.fault.message}`);
}

/**
 * Calls `body`, which runs the strategy's code: an exception it throws (a user's strategy may
 * throw from attach(), outside any task) is the run's failure, not the caller's crash.
 */
export function attempt<T>(strategy: RefcountStrategy, cpuCount: number, what: string, body: () => CostResult<T>): CostResult<T> {
  try {
    return body();
  } catch (error) {
    return costFailure(strategy, cpuCount, what, error instanceof Error ? error.message : String(error));
  }
}

export function costFailure(strategy: RefcountStrategy, cpuCount: number, what: string, reason: string): CostFailure {
  return fail('EFAULT', `${strategy.name} at ${cpuCount} CPU${cpuCount === 1 ? '' : 's'}, ${what}: ${reason}`);
}
