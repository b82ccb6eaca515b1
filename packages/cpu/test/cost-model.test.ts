import { describe, expect, test } from 'vitest';
import { atomicInc, genericProfile, load, MemoryTraceSink, store, xeon8176PerfbookProfile, type KernelCode } from '@kmodsim/cpu';
import { machineOf } from './helpers.js';

// Each CPU writes its line in turn (round-robin alternates the CPUs step by step).
function* touch(cell: number, times: number): KernelCode<void> {
  for (let i = 0; i < times; i++) yield store(cell, i);
}

/** Sources charged for every load and store of a run, in order. */
function accessSources(sharedLine: boolean): { sources: string[]; cycles: number } {
  const sink = new MemoryTraceSink();
  const machine = machineOf({ cpuCount: 2, trace: sink, schedule: 'kms1:rr' });
  const first = machine.alloc('a', 1, { lineAligned: true }).base;
  const second = sharedLine ? first : machine.alloc('b', 1, { lineAligned: true }).base;
  machine.spawn({ name: 'left', cpu: 0, bound: true, body: () => touch(first, 10) });
  machine.spawn({ name: 'right', cpu: 1, bound: true, body: () => touch(second, 10) });
  const result = machine.run();
  if (!result.ok) expect.fail(result.fault.message);
  const sources = sink.events
    .filter((event) => event.name === 'load' || event.name === 'store')
    .map((event) => /\((\w+)\)$/.exec(event.detail)?.[1] ?? '?');
  return { sources, cycles: machine.elapsedCycles };
}

describe('cost model', () => {
  test('a line bouncing between two CPUs is charged a transfer on every access', () => {
    const { sources } = accessSources(true);
    expect(sources).toHaveLength(20);
    // The very first access finds the line in memory; every later one finds it in the other CPU's cache.
    expect(sources[0]).toBe('memory');
    expect(sources.slice(1).every((source) => source === 'sameSocket')).toBe(true);
  });

  test('a line kept by one CPU is charged once, then hits', () => {
    const { sources } = accessSources(false);
    expect(sources.filter((source) => source !== 'hit')).toEqual(['memory', 'memory']);
  });

  test('sharing costs time: each transfer waits for the one before, while private lines run in parallel', () => {
    const { contextSwitch, memory, sameSocket, hit } = genericProfile.cycles;
    // 20 stores in all: the first fetches the line from memory, the other 19 each move it.
    expect(accessSources(true).cycles).toBe(contextSwitch + memory + 19 * sameSocket);
    // Each CPU fetches its own line once and then hits 9 times, both at the same time.
    expect(accessSources(false).cycles).toBe(contextSwitch + memory + 9 * hit);
  });

  test('coherence cycles count the transfers from another CPU\'s cache, not the first fetch from memory nor hits', () => {
    const { contextSwitch, memory } = genericProfile.cycles;
    const bouncing = machineOf({ cpuCount: 2, schedule: 'kms1:rr' });
    const line = bouncing.alloc('ball', 1, { lineAligned: true }).base;
    bouncing.spawn({ name: 'left', cpu: 0, bound: true, body: () => touch(line, 10) });
    bouncing.spawn({ name: 'right', cpu: 1, bound: true, body: () => touch(line, 10) });
    expect(bouncing.run().ok).toBe(true);
    // Past its task's switch-in, all of a CPU's time goes to the line (moving it, or waiting for
    // it to arrive at the other CPU) but CPU 0's first store, which fetches it from memory.
    expect(bouncing.clockOf(0) - bouncing.memory.coherenceCyclesOf(0)).toBe(contextSwitch + memory);
    expect(bouncing.clockOf(1) - bouncing.memory.coherenceCyclesOf(1)).toBe(contextSwitch);
    const alone = machineOf({ cpuCount: 2, schedule: 'kms1:rr' });
    const own = [alone.alloc('a', 1, { lineAligned: true }).base, alone.alloc('b', 1, { lineAligned: true }).base];
    own.forEach((cell, cpu) => alone.spawn({ name: `own${cpu}`, cpu, bound: true, body: () => touch(cell, 10) }));
    expect(alone.run().ok).toBe(true);
    expect([alone.memory.coherenceCyclesOf(0), alone.memory.coherenceCyclesOf(1)]).toEqual([0, 0]);
  });

  test('distance follows the topology: sibling thread, same socket, other socket, other board', () => {
    const machine = machineOf({ cpuCount: 448, profile: 'xeon-8176-perfbook' });
    // 2 threads per core, 28 cores per socket, 4 sockets per board.
    const cases: [number, keyof typeof xeon8176PerfbookProfile.cycles][] = [[1, 'sameCore'], [2, 'sameSocket'], [56, 'otherSocket'], [224, 'otherBoard']];
    for (const [otherCpu, expected] of cases) {
      const cell = machine.alloc(`line${otherCpu}`, 1, { lineAligned: true }).base;
      const before = machine.memory.access(0, cell, true, 0);
      expect(before).toBe(xeon8176PerfbookProfile.cycles.memory);
      expect(machine.memory.access(otherCpu, cell, true, 0)).toBe(before + xeon8176PerfbookProfile.cycles[expected]);
      expect(machine.memory.lastSource).toBe(expected);
    }
  });

  test('a locked read-modify-write (atomic_inc(), traced by its unordered kernel name) pays the atomic overhead on top of the access', () => {
    const sink = new MemoryTraceSink();
    const machine = machineOf({ cpuCount: 1, trace: sink });
    const cell = machine.alloc('count', 1).base;
    machine.spawn({ name: 'inc', body: function* () { yield load(cell); yield atomicInc(cell); } });
    machine.run();
    const add = sink.events.find((event) => event.name === 'atomic_add_return_relaxed');
    expect(add?.durationCycles).toBe(genericProfile.cycles.hit + genericProfile.cycles.atomicOverhead);
  });
});

describe('cost model: a line several CPUs share', () => {
  // Four sockets, two to a board, 2-thread cores: 8 CPUs keep their sharers in one word, 64 in two.
  test.each([
    { cpuCount: 8, coresPerSocket: 1, sibling: 1, otherSocket: 2, otherBoard: 4 },
    { cpuCount: 64, coresPerSocket: 8, sibling: 1, otherSocket: 16, otherBoard: 40 },
  ])('a write to a shared line takes it from the sharer dearest to reach, or from the one other sharer ($cpuCount CPUs)', ({ cpuCount, coresPerSocket, sibling, otherSocket, otherBoard }) => {
    const { cycles } = xeon8176PerfbookProfile;
    const machine = machineOf({ cpuCount, profile: 'xeon-8176-perfbook', topology: { sockets: 4, coresPerSocket, threadsPerCore: 2, socketsPerBoard: 2 } });
    const line = machine.alloc('shared', 1, { lineAligned: true }).base;
    // Each access starts well after the one before has brought the line: what it returns past its start is its cost.
    let startCycles = 0;
    const cost = (cpu: number, write: boolean): number => {
      startCycles += 10_000;
      return machine.memory.access(cpu, line, write, startCycles) - startCycles;
    };
    // Read by CPU 0 (from memory), its sibling, and CPUs on another socket and another board.
    for (const cpu of [0, sibling, otherSocket, otherBoard]) cost(cpu, false);
    expect(cost(0, true)).toBe(cycles.otherBoard);
    // CPU 0 holds it alone; read by one other CPU, it has two sharers and a write by either takes it from the other.
    cost(otherSocket, false);
    expect(cost(otherSocket, true)).toBe(cycles.otherSocket);
    cost(sibling, true);
    cost(0, false);
    expect(cost(0, true)).toBe(cycles.sameCore);
    expect(machine.memory.lastSource).toBe('sameCore');
  });
});
