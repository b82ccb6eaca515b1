import { describe, expect, test } from 'vitest';
import {
  atomicInc, createMachine, OpCode, decodeSnapshot, encodeSnapshot, formatChoiceList, load, Machine, MemoryTraceSink, parseChoiceList, schedule,
  setCurrentState, setCurrentStateUnordered, smpMb, smpWmb, store, wakeUpProcess, type BodyRegistry, type Choice, type KernelCode, type MemoryModelName,
} from '@kmodsim/cpu';
import { machineOf } from './helpers.js';

// x86-TSO on the machine: each CPU's stores wait in its store buffer until a `flush` choice or a
// barrier makes them visible. Every outcome of a small program is found by trying every order of
// steps and flushes, so what these tests say reachable or not is exact, not sampled.

type Program = (cells: Cells) => [() => KernelCode<void>, () => KernelCode<void>];

type Cells = { x: number; y: number; r0: number; r1: number };

function build(model: MemoryModelName, program: Program): { machine: Machine; cells: Cells; bodies: BodyRegistry } {
  const machine = machineOf({ cpuCount: 2, memoryModel: model, snapshots: true });
  const base = machine.alloc('litmus', 4, { fields: ['x', 'y', 'r0', 'r1'] }).base;
  const cells = { x: base, y: base + 1, r0: base + 2, r1: base + 3 };
  const [p0, p1] = program(cells);
  machine.spawn({ name: 'P0', cpu: 0, bound: true, body: p0, bodyRef: { name: 'P0' } });
  machine.spawn({ name: 'P1', cpu: 1, bound: true, body: p1, bodyRef: { name: 'P1' } });
  return { machine, cells, bodies: { P0: () => p0, P1: () => p1 } };
}

/** Steps `cpu` until it has performed `count` more operations (its first step only switches to its task). */
function runOps(machine: Machine, cpu: number, count: number): void {
  if (machine.pendingOperation(cpu) === undefined) machine.perform({ kind: 'step', cpu });
  for (let done = 0; done < count; done++) machine.perform({ kind: 'step', cpu });
}

/**
 * Every ending of `program` over every order of steps and flushes: a depth-first search that
 * builds the machine afresh for each prefix (cheaper here than snapshots, which check each body).
 */
function endings(model: MemoryModelName, program: Program, ending: (machine: Machine, cells: Cells) => string, prepare?: (machine: Machine, cells: Cells) => void): Set<string> {
  const found = new Set<string>();
  const visit = (prefix: readonly Choice[]): void => {
    const { machine, cells } = build(model, program);
    prepare?.(machine, cells);
    for (const choice of prefix) machine.perform(choice);
    const enabled = machine.status === 'running' ? machine.enabledChoices().filter((choice) => choice.kind === 'step' || choice.kind === 'flush') : [];
    // A step no other CPU can see commutes with every other choice: it is taken alone.
    const local = enabled.find((choice) => choice.kind === 'step' && invisible(machine, choice.cpu));
    const choices = local === undefined ? enabled : [local];
    if (choices.length === 0) {
      if (machine.status === 'running') machine.advanceIdle();
      found.add(ending(machine, cells));
      return;
    }
    for (const choice of choices) visit([...prefix, choice]);
  };
  visit([]);
  return found;
}

/** Switching to a task, and under tso a store into the CPU's own buffer. */
function invisible(machine: Machine, cpu: number): boolean {
  const op = machine.pendingOperation(cpu);
  return op === undefined || (machine.memoryModel === 'tso' && op.code === OpCode.Store);
}

/** Every final (r0, r1). */
function outcomes(model: MemoryModelName, program: Program): Set<string> {
  return endings(model, program, (machine, cells) => machine.status === 'finished' ? `${machine.read(cells.r0)},${machine.read(cells.r1)}` : machine.fault?.kind ?? 'stuck');
}

const storeBuffering = (fence: boolean): Program => ({ x, y, r0, r1 }) => [
  function* () {
    yield store(x, 1);
    if (fence) yield smpMb();
    yield store(r0, yield load(y));
  },
  function* () {
    yield store(y, 1);
    if (fence) yield smpMb();
    yield store(r1, yield load(x));
  },
];

const messagePassing: Program = ({ x, y, r0, r1 }) => [
  function* () {
    yield store(x, 1);
    yield smpWmb();
    yield store(y, 1);
  },
  function* () {
    yield store(r0, yield load(y));
    yield store(r1, yield load(x));
  },
];

describe('the tso memory model', () => {
  test('store buffering: both loads can miss the other CPU\'s store under tso, never under sc', () => {
    expect(outcomes('sc', storeBuffering(false))).toEqual(new Set(['0,1', '1,0', '1,1']));
    expect(outcomes('tso', storeBuffering(false))).toEqual(new Set(['0,0', '0,1', '1,0', '1,1']));
  });

  test('smp_mb() between the store and the load forbids it again', () => {
    expect(outcomes('tso', storeBuffering(true))).toEqual(new Set(['0,1', '1,0', '1,1']));
  });

  test('message passing keeps its order: stores become visible in program order', () => {
    expect(outcomes('tso', messagePassing)).toEqual(new Set(['0,0', '0,1', '1,1']));
  });

  test('a CPU reads its own buffered store before any other CPU can', () => {
    const { machine, cells } = build('tso', ({ x, y, r1 }) => [
      function* () {
        yield store(x, 7);
        yield store(y, yield load(x));
      },
      function* () {
        yield store(r1, yield load(x));
      },
    ]);
    runOps(machine, 0, 1);
    expect(machine.read(cells.x)).toBe(0);
    expect(machine.bufferedCells(0)).toEqual([cells.x]);
    runOps(machine, 1, 2);
    expect(machine.bufferedCells(1)).toEqual([cells.r1]);
    runOps(machine, 0, 2);
    expect(machine.bufferedCells(0)).toEqual([cells.x, cells.y]);
    machine.perform({ kind: 'flush', cpu: 0 });
    expect([machine.read(cells.x), machine.read(cells.y)]).toEqual([7, 0]);
    machine.perform({ kind: 'flush', cpu: 1 });
    expect(machine.read(cells.r1)).toBe(0);
  });

  test('kernel code reading memory from the host sees its own CPU\'s buffered stores, as its loads do', () => {
    const { machine, cells } = build('tso', ({ x, r0 }) => [
      function* () {
        yield store(x, 5);
        yield store(r0, machine.read(x));
      },
      function* () {
        yield load(x);
      },
    ]);
    runOps(machine, 0, 2);
    expect(machine.read(cells.x)).toBe(0);
    machine.perform({ kind: 'flush', cpu: 0 });
    machine.perform({ kind: 'flush', cpu: 0 });
    expect([machine.read(cells.x), machine.read(cells.r0)]).toEqual([5, 5]);
  });

  test('a locked read-modify-write drains the buffer before it acts', () => {
    const { machine, cells } = build('tso', ({ x, y }) => [
      function* () {
        yield store(x, 1);
        yield atomicInc(y);
      },
      function* () {
        yield load(y);
      },
    ]);
    runOps(machine, 0, 1);
    expect(machine.bufferedStores(0)).toBe(1);
    runOps(machine, 0, 1);
    expect(machine.bufferedStores(0)).toBe(0);
    expect([machine.read(cells.x), machine.read(cells.y)]).toEqual([1, 1]);
    expect(machine.drainedByLastChoice).toEqual([cells.x]);
  });
});

/** The unloader's wait, with or without the barrier set_current_state() has; the waker clears a count and wakes it. */
function waitForZero(ordered: boolean): Program {
  return ({ x, r0 }) => [
    function* () {
      for (;;) {
        yield ordered ? setCurrentState('TASK_UNINTERRUPTIBLE') : setCurrentStateUnordered('TASK_UNINTERRUPTIBLE');
        if ((yield load(x)) === 0) break;
        yield schedule();
      }
      yield setCurrentState('TASK_RUNNING');
      yield store(r0, 1);
    },
    function* () {
      yield store(x, 0);
      yield wakeUpProcess(1);
    },
  ];
}

describe('set_current_state() against __set_current_state() under tso', () => {
  const wakeups = (model: MemoryModelName, ordered: boolean): Set<string> =>
    endings(model, waitForZero(ordered), (machine) => machine.status === 'finished' ? 'woke' : machine.fault?.kind ?? 'stuck', (machine, cells) => { machine.write(cells.x, 1); });

  test('the barrier-less state store loses the wakeup only under tso', () => {
    expect(wakeups('sc', false)).toEqual(new Set(['woke']));
    expect(wakeups('tso', true)).toEqual(new Set(['woke']));
    expect(wakeups('tso', false)).toEqual(new Set(['woke', 'sleeps-forever']));
  });
});

describe('flushes in schedules, traces and snapshots', () => {
  test('a flush is f<cpu> in a schedule string and replays', () => {
    const choices: Choice[] = [{ kind: 'step', cpu: 0 }, { kind: 'flush', cpu: 0 }, { kind: 'flush', cpu: 1 }];
    const text = formatChoiceList(choices);
    expect(text).toBe('kms1:list:0,f0,f1');
    const parsed = parseChoiceList(text.slice('kms1:list:'.length));
    expect(parsed.ok && parsed.value).toEqual(choices);
  });

  test('the machine records flushes among its choices, and the trace says when a store became visible', () => {
    const sink = new MemoryTraceSink();
    const created = createMachine({ cpuCount: 2, memoryModel: 'tso', trace: sink, schedule: 'kms1:list:0,0,f0,0,1,1,1' });
    if (!created.ok) expect.fail(created.message);
    const machine = created.value;
    const flag = machine.alloc('flag', 1, { fields: ['flag'] }).base;
    machine.spawn({ name: 'writer', cpu: 0, bound: true, body: function* () {
      yield store(flag, 1);
    } });
    machine.spawn({ name: 'reader', cpu: 1, bound: true, body: function* () {
      yield load(flag);
    } });
    const result = machine.run();
    expect(result.ok).toBe(true);
    expect(machine.choiceString()).toBe('kms1:list:0*2,f0,0,1*3');
    const lines = sink.events.map((event) => `${event.cpu} ${event.name} ${event.detail}`);
    expect(lines).toContain('0 store_visible flag = 1');
    expect(lines.some((line) => line.startsWith('1 load flag -> 1'))).toBe(true);
    expect(lines.some((line) => line.startsWith('0 store flag = 1') && line.endsWith('buffered'))).toBe(true);
  });

  test('a snapshot keeps the buffers, in memory and as bytes', () => {
    const { machine, cells, bodies } = build('tso', storeBuffering(false));
    runOps(machine, 0, 1);
    const taken = machine.snapshot();
    if (!taken.ok) expect.fail(taken.message);
    const bytes = encodeSnapshot(taken.value);
    if (!bytes.ok) expect.fail(bytes.message);
    const decoded = decodeSnapshot(bytes.value, bodies);
    if (!decoded.ok) expect.fail(decoded.message);
    expect(decoded.value.machine.storeBuffers).toEqual([[cells.x, 1], []]);
    const restored = Machine.restore(decoded.value);
    if (!restored.ok) expect.fail(restored.message);
    expect(restored.value.memoryModel).toBe('tso');
    expect(restored.value.bufferedCells(0)).toEqual([cells.x]);
    restored.value.perform({ kind: 'flush', cpu: 0 });
    expect(restored.value.read(cells.x)).toBe(1);
  });

  test('an unknown memory model is a configuration error naming the known ones', () => {
    const created = createMachine({ cpuCount: 2, memoryModel: 'pso' as MemoryModelName });
    expect(created.ok).toBe(false);
    if (!created.ok) expect(created.message).toBe("unknown memory model 'pso'; known models: sc, tso");
  });
});
