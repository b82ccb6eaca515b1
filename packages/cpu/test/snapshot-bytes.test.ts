import { describe, expect, test } from 'vitest';
import { createPrng, decodeSnapshot, encodeSnapshot, load, Machine, SNAPSHOT_FORMAT, type MachineSnapshot } from '@kmodsim/cpu';
import { machineOf } from './helpers.js';
import { programScenario, randomPlan } from './random-programs.js';
import { bodiesOf, observed, restored, runInStep, snapshotOf, stepRandomly, tracedMachine } from './snapshot-helpers.js';

// Snapshots as bytes: what decodeSnapshot reads back restores the same machine, with bodies
// found by name in a registry built as another process would build it (by setting the program up
// again). Bytes that are damaged, cut short, of another format or not a snapshot at all are a
// SnapshotFailure, never an exception.

function bytesOf(snapshot: MachineSnapshot): Uint8Array {
  const encoded = encodeSnapshot(snapshot);
  if (!encoded.ok) expect.fail(encoded.message);
  return encoded.value;
}

/** A random program at a random quiet point, its snapshot and the snapshot's bytes. */
function programBytes(seed: number): { original: ReturnType<typeof tracedMachine>; bytes: Uint8Array } {
  const plan = randomPlan(seed);
  const original = tracedMachine(plan.cpuCount, programScenario(plan));
  original.machine.setFaultPolicy('oops');
  const prng = createPrng(seed);
  for (let made = prng.below(30); made > 0 && stepRandomly(original.machine, prng); made--);
  while (original.machine.status === 'running' && !original.machine.snapshot().ok) stepRandomly(original.machine, prng);
  original.tracedBefore = original.sink.events.length;
  return { original, bytes: bytesOf(snapshotOf(original.machine)) };
}

describe('snapshots as bytes', () => {
  test.each(Array.from({ length: 20 }, (_, index) => index + 1))('random program %i: bytes read back restore the same machine, and encode to the same bytes', (seed) => {
    const plan = randomPlan(seed);
    const { original, bytes } = programBytes(seed);
    const decoded = decodeSnapshot(bytes, bodiesOf(programScenario(plan), plan.cpuCount));
    if (!decoded.ok) return expect.fail(decoded.message);
    expect(bytesOf(decoded.value)).toEqual(bytes);
    const copy = restored(decoded.value);
    runInStep(original.machine, copy.machine, seed);
    expect(observed(copy), `seed ${seed}`).toEqual(observed(original));
  });

  test('a live task without a name for its body cannot be saved as bytes, and the refusal names it', () => {
    const machine = machineOf({ cpuCount: 1, snapshots: true });
    const cell = machine.alloc('cell', 1).base;
    const pid = machine.spawn({ name: 'anonymous', body: function* () { yield load(cell); } });
    expect(encodeSnapshot(snapshotOf(machine))).toMatchObject({ ok: false, errno: 'EINVAL', problem: 'unnamed-body', pid, message: expect.stringContaining(`anonymous-${pid}`) as unknown });
  });

  test('a registry without a body the snapshot names', () => {
    const { bytes } = programBytes(2);
    expect(decodeSnapshot(bytes, {})).toMatchObject({ ok: false, errno: 'ENOENT', problem: 'unknown-body', message: expect.stringContaining('no body named t') as unknown });
  });
});

describe('bytes that are not a snapshot this kmodsim can read', () => {
  const { bytes } = programBytes(4);
  const bodies = bodiesOf(programScenario(randomPlan(4)), randomPlan(4).cpuCount);

  test.each([
    ['empty', new Uint8Array(0), 'not-a-snapshot'],
    ['text', new TextEncoder().encode('{"format": 1}'), 'not-a-snapshot'],
    ['a PNG', Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]), 'not-a-snapshot'],
    ['only the magic', bytes.slice(0, 8), 'truncated'],
    ['only the header', bytes.slice(0, 20), 'truncated'],
    ['one byte short', bytes.slice(0, -1), 'truncated'],
    ['one byte too long', Uint8Array.from([...bytes, 0]), 'damaged'],
  ] as const)('%s: %s', (_name, input, problem) => {
    expect(decodeSnapshot(input, bodies)).toMatchObject({ ok: false, errno: 'EBADMSG', problem });
  });

  test('another format', () => {
    const other = bytes.slice();
    new DataView(other.buffer).setUint32(8, SNAPSHOT_FORMAT + 1, true);
    expect(decodeSnapshot(other, bodies)).toMatchObject({ ok: false, problem: 'other-format', message: expect.stringContaining(`format ${SNAPSHOT_FORMAT + 1}`) as unknown });
  });

  test('every single changed byte is caught, never thrown', () => {
    for (let position = 0; position < bytes.length; position += Math.max(1, Math.floor(bytes.length / 400))) {
      const damaged = bytes.slice();
      damaged[position] = (damaged[position] ?? 0) ^ 0x5a;
      const decoded = decodeSnapshot(damaged, bodies);
      expect(decoded.ok, `byte ${position}`).toBe(false);
    }
  });

  test('a checksum that holds over contents that are not a snapshot\'s layout', () => {
    const snapshot = snapshotOf(machineOf({ cpuCount: 2 }));
    const wrong = { ...snapshot, machine: { ...snapshot.machine, clocks: new Float64Array(3) } };
    expect(decodeSnapshot(bytesOf(wrong), {})).toMatchObject({ ok: false, problem: 'damaged', message: expect.stringContaining('machine.clocks') as unknown });
  });

  test('a snapshot of a machine with no tasks restores from bytes', () => {
    const machine = machineOf({ cpuCount: 4 });
    machine.alloc('table', 100, { lineAligned: true });
    const decoded = decodeSnapshot(bytesOf(snapshotOf(machine)), {});
    if (!decoded.ok) return expect.fail(decoded.message);
    const copy = Machine.restore(decoded.value);
    expect(copy.ok && copy.value.liveObjects()).toEqual(machine.liveObjects());
  });
});
