import { describe, expect, test } from 'vitest';
import {
  atomicInc, createMachine, decodeSnapshot, encodeSnapshot, formatChoiceList, load, Machine, MemoryTraceSink, parseChoiceList, schedule,
  setCurrentState, setCurrentStateUnordered, smpWmb, store, wakeUpProcess, type Choice, type MemoryModelName,
} from '@kmodsim/cpu';
import { build, endings, outcomes, runOps, storeBuffering, type Program } from './memory-model-helpers.js';

// x86-TSO on the machine: each CPU's stores wait in its store buffer until a `flush` choice or a
// barrier makes them visible. Every outcome of a small program is found by trying every order of
// steps and flushes, so what these tests say reachable or not is exact, not sampled.


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
    if (!created.ok) expect(created.message).toBe("unknown memory model 'pso'; known models: sc, tso, relaxed");
  });
});
