import { describe, expect, test } from 'vitest';
import { createMachine, schedule, setCurrentState, store, wakeUpProcess, type KernelCode, type Machine } from '@kmodsim/cpu';

// A machine saved to bytes with its host state, and loaded into a machine booted the same way
// (as the persistent machine's next command does, in another process): host code that reads
// memory from inside a body, and values a body receives from another task through host objects,
// come back with the task, though neither the memory nor the other task is as it was then.

interface Kernel {
  readonly machine: Machine;
  readonly seen: string[];
  /** A value one task hands another through a host object, as a stop_machine callback's result. */
  readonly handed: { value: number };
}

/** Boots the same small kernel every time: a waiter that reads a flag without a step, and a setter that hands it a value. */
function bootKernel(): Kernel {
  const created = createMachine({ cpuCount: 2, snapshots: true, faultPolicy: 'oops' });
  if (!created.ok) throw new Error(created.message);
  const machine = created.value;
  const flag = machine.alloc('flag', 1).base;
  const seen: string[] = [];
  const handed = { value: 0 };
  machine.keepHostState<readonly string[]>({
    name: 'what the waiter saw',
    save: () => [...seen],
    load: (saved) => { seen.length = 0; seen.push(...saved); },
    encode: (saved) => saved,
    decode: (data) => {
      if (!Array.isArray(data)) throw new Error('not a list');
      return data.map(String);
    },
  });
  function* waiter(): KernelCode<void> {
    // Host code reading memory without a step, as the module core reads a module's state word.
    seen.push(`flag was ${machine.read(flag)}`);
    const got = machine.received(handed.value);
    yield setCurrentState('TASK_INTERRUPTIBLE');
    yield schedule();
    seen.push(`woken, flag ${machine.read(flag)}, handed ${got}`);
  }
  machine.nameBodies({ waiter: () => waiter });
  machine.spawn({ name: 'waiter', cpu: 0, body: waiter, bodyRef: { name: 'waiter' } });
  return { machine, seen, handed };
}

function runFirstSteps(kernel: Kernel): void {
  kernel.handed.value = 42;
  kernel.machine.write(0, 0);
  // The waiter reads the flag (0) and receives 42, then sleeps.
  while (kernel.machine.task(1)?.state !== 'TASK_INTERRUPTIBLE' || kernel.machine.task(1)?.onCpu === true) kernel.machine.perform(kernel.machine.enabledChoices()[0]!);
}

describe('a machine saved to bytes with its host state', () => {
  test('loads into a machine booted the same way, whose sleeping task goes on with what it read and received then', () => {
    const first = bootKernel();
    runFirstSteps(first);
    expect(first.seen).toEqual(['flag was 0']);
    // Memory and the host object change before the save: a replay must not read them as they are now.
    first.machine.write(first.machine.liveObjects()[0]!.base, 5);
    first.handed.value = 99;
    const bytes = first.machine.snapshotBytes();
    if (!bytes.ok) expect.fail(bytes.message);

    const second = bootKernel();
    // As a file read back by Node: a Buffer whose bytes sit at an odd offset in a shared pool.
    const pooled = Buffer.concat([Buffer.from([1, 2, 3]), Buffer.from(bytes.value)]).subarray(3);
    const loaded = second.machine.rewindFromBytes(pooled);
    if (!loaded.ok) expect.fail(loaded.message);
    expect(second.seen).toEqual(['flag was 0']);
    second.machine.spawn({ name: 'setter', cpu: 1, body: bodyOf(second) });
    second.machine.run();
    expect(second.seen).toEqual(['flag was 0', 'woken, flag 7, handed 42']);
  });

  test('is refused, naming the part, when a part of its host state cannot write itself as plain data', () => {
    const kernel = bootKernel();
    kernel.machine.keepHostState({ name: 'a callback queue', save: () => [], load: () => undefined });
    const bytes = kernel.machine.snapshotBytes();
    expect(bytes.ok ? 'saved' : [bytes.problem, bytes.message]).toEqual(['host-state', expect.stringContaining('a callback queue')]);
  });

  test('of another shape, damaged, or cut short leaves the loading machine as it was', () => {
    const first = bootKernel();
    runFirstSteps(first);
    const bytes = first.machine.snapshotBytes();
    if (!bytes.ok) expect.fail(bytes.message);
    // A machine with none of its host state.
    const other = createMachine({ cpuCount: 2, snapshots: true });
    if (!other.ok) expect.fail(other.message);
    const shaped = other.value.rewindFromBytes(bytes.value.slice());
    expect(shaped.ok ? 'loaded' : shaped.problem).toBe('other-machine');
    const damaged = bytes.value.slice();
    damaged[damaged.length - 3] = (damaged[damaged.length - 3] ?? 0) ^ 0xff;
    const fresh = bootKernel();
    const read = fresh.machine.rewindFromBytes(damaged);
    expect(read.ok ? 'loaded' : read.problem).toBe('damaged');
    expect(fresh.machine.rewindFromBytes(bytes.value.subarray(0, 30)).ok).toBe(false);
    expect(fresh.seen).toEqual([]);
    expect(fresh.machine.task(1)?.state).toBe('TASK_RUNNING');
  });
});

function bodyOf(kernel: Kernel): () => KernelCode<void> {
  const flag = kernel.machine.liveObjects()[0]!.base;
  return function* () {
    yield store(flag, 7);
    yield wakeUpProcess(1);
  };
}
