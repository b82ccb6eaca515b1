import type { Machine } from '@kmodsim/cpu';
import { CpuStopMachine } from './cpu-stop.js';
import { StopRefcounts } from './stop-refcounts.js';
import type { StopMachine, StopMachineVariant } from './stop-machine.js';

export interface StopMachineOptions {
  /** Which implementation; today's `cpu-stop` unless asked otherwise. */
  readonly variant?: StopMachineVariant;
}

/**
 * Sets stop_machine up on a machine before it runs: `cpu-stop` spawns its per-CPU stopper
 * threads now (they sleep until a call), `linux-2.6.0` forks its threads per call.
 */
export function createStopMachine(machine: Machine, options: StopMachineOptions = {}): StopMachine {
  const variant = options.variant ?? 'cpu-stop';
  switch (variant) {
    case 'cpu-stop':
      return new CpuStopMachine(machine);
    case 'linux-2.6.0':
      return new StopRefcounts(machine);
  }
}
