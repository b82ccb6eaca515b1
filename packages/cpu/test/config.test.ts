import { describe, expect, test } from 'vitest';
import { createMachine, parseSchedule } from '@kmodsim/cpu';

describe('bad machine configurations are typed errors naming the problem', () => {
  test.each([
    [{ cpuCount: 0 }, 'cpuCount', 'cpuCount must be a whole number from 1 to 1024, got 0'],
    [{ cpuCount: 2000 }, 'cpuCount', 'got 2000'],
    [{ cpuCount: 2.5 }, 'cpuCount', 'got 2.5'],
    [{ cpuCount: 4, profile: 'cray-1' }, 'profile', "unknown machine profile 'cray-1'; known profiles: generic, xeon-8176-perfbook"],
    [{ cpuCount: 4, topology: { sockets: 2, coresPerSocket: 4, threadsPerCore: 1, socketsPerBoard: 1 } }, 'topology', '= 8 CPUs, but cpuCount is 4'],
    [{ cpuCount: 4, schedule: 'kms2:rr' }, 'schedule', "schedule string has version 'kms2'; this kmodsim reads 'kms1:' strings"],
    [{ cpuCount: 4, schedule: 'kms1:list:0,banana' }, 'schedule', "malformed choice 'banana'"],
    [{ cpuCount: 4, maxSteps: 0 }, 'maxSteps', 'maxSteps must be a whole number of at least 1'],
  ])('%j', (config, field, message) => {
    const created = createMachine(config);
    expect(created.ok).toBe(false);
    if (created.ok) return;
    expect(created.errno).toBe('EINVAL');
    expect(created.field).toBe(field);
    expect(created.message).toContain(message);
  });

  test.each([
    ['', 'has no version'],
    ['rr', "has version 'rr'"],
    ['kms1:fifo', "unknown scheduler 'fifo'"],
    ['kms1:random', 'needs a seed'],
    ['kms1:random:-3', 'needs a seed'],
    ['kms1:random:5:irq=2', 'irq must be a probability from 0 to 1'],
    ['kms1:random:5:colour=red', "unknown schedule option 'colour=red'"],
    ['kms1:rr:slice=0', 'slice must be a whole number of steps'],
    ['kms1:list:0*999999999', 'repeat count'],
  ])('schedule string %j', (text, message) => {
    const parsed = parseSchedule(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.message).toContain(message);
  });

  test('a machine of 1024 CPUs is accepted and gets a topology from the profile', () => {
    const created = createMachine({ cpuCount: 1024 });
    if (!created.ok) expect.fail(created.message);
    expect(created.value.topology).toEqual({ sockets: 16, coresPerSocket: 64, threadsPerCore: 1, socketsPerBoard: 2 });
  });

  test('a CPU count that does not fill whole sockets of the profile is spread over sockets no fuller than its own, not packed into one', () => {
    const shape = (cpuCount: number) => {
      const created = createMachine({ cpuCount, profile: 'xeon-8176-perfbook' });
      if (!created.ok) expect.fail(created.message);
      const { sockets, coresPerSocket, threadsPerCore } = created.value.topology;
      return [sockets, coresPerSocket, threadsPerCore];
    };
    expect(shape(56)).toEqual([1, 28, 2]);
    expect(shape(64)).toEqual([2, 16, 2]);
    expect(shape(1024)).toEqual([32, 16, 2]);
    expect(shape(1023)).toEqual([31, 33, 1]);
  });
});
