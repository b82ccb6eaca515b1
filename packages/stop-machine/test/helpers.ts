import { expect } from 'vitest';
import { createMachine, MemoryTraceSink, type Machine, type MachineConfig } from '@kmodsim/cpu';

/** A machine for a test, traced; a configuration error fails the test with its message. */
export function tracedMachine(config: MachineConfig): { machine: Machine; trace: MemoryTraceSink } {
  const trace = new MemoryTraceSink();
  const created = createMachine({ ...config, trace });
  if (!created.ok) expect.fail(created.message);
  return { machine: created.value, trace };
}
