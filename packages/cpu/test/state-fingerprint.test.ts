import { describe, expect, test } from 'vitest';
import { load, store, type KernelCode, type Machine } from '@kmodsim/cpu';
import { machineOf } from './helpers.js';

// A state fingerprint (Machine.stateFingerprint) is what an explicit-state search stops on: two
// runs that reach the same state by different orders of steps must agree on it, and runs that
// differ in anything the machine will act on must not.

/**
 * Two CPUs, each storing to its own cell then reading the other's; `values` are what they store.
 * The cells share a cache line unless `ownLines`.
 */
function storers(values: readonly [number, number], snapshots = true, ownLines = false): Machine {
  const machine = machineOf({ cpuCount: 2, snapshots });
  const cells = [machine.alloc('x', 1, { lineAligned: ownLines }).base, machine.alloc('y', 1, { lineAligned: ownLines }).base];
  for (const cpu of [0, 1]) {
    machine.spawn({ name: `t${cpu}`, cpu, bound: true, body: function* (): KernelCode<void> {
      yield store(cells[cpu] ?? 0, values[cpu] ?? 0);
      yield load(cells[1 - cpu] ?? 0);
    } });
  }
  return machine;
}

function stepCpus(machine: Machine, cpus: readonly number[]): void {
  for (const cpu of cpus) machine.perform({ kind: 'step', cpu });
}

describe('Machine.stateFingerprint', () => {
  test('two orders of independent steps that reach one state give one fingerprint', () => {
    for (const ownLines of [false, true]) {
      const first = storers([1, 2], true, ownLines);
      const second = storers([1, 2], true, ownLines);
      // Each CPU's first steps dispatch its task and store: independent of the other CPU's.
      stepCpus(first, [0, 0, 1, 1]);
      stepCpus(second, [1, 1, 0, 0]);
      expect(first.memory.liveObjects().map((object) => first.read(object.base))).toEqual([1, 2]);
      expect(first.stateFingerprint({ clocks: false })).toBeDefined();
      expect(first.stateFingerprint({ clocks: false })).toBe(second.stateFingerprint({ clocks: false }));
      // With the clocks, the cache line the two stores shared is held by the CPU that stored last: that costs the next access differently.
      if (ownLines) expect(first.stateFingerprint({ clocks: true })).toBe(second.stateFingerprint({ clocks: true }));
      else expect(first.stateFingerprint({ clocks: true })).not.toBe(second.stateFingerprint({ clocks: true }));
    }
  });

  test('a different value in memory, or a task further on, is a different state', () => {
    const one = storers([1, 2]);
    const other = storers([1, 3]);
    stepCpus(one, [0, 0, 1, 1]);
    stepCpus(other, [0, 0, 1, 1]);
    expect(one.stateFingerprint({ clocks: false })).not.toBe(other.stateFingerprint({ clocks: false }));
    const further = storers([1, 2]);
    stepCpus(further, [0, 0, 1, 1, 0]);
    expect(further.stateFingerprint({ clocks: false })).not.toBe(one.stateFingerprint({ clocks: false }));
  });

  test('tasks that keep no replay log have no fingerprint: their generators cannot be told apart', () => {
    const machine = storers([1, 2], false);
    stepCpus(machine, [0]);
    expect(machine.stateFingerprint()).toBeUndefined();
  });
});
