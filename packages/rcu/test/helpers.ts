import { expect } from 'vitest';
import { createMachine, type Machine, type MachineConfig } from '@kmodsim/cpu';

/** A machine for a test; a configuration error fails the test with its message. */
export function machineOf(config: MachineConfig): Machine {
  const created = createMachine(config);
  if (!created.ok) expect.fail(created.message);
  return created.value;
}
