import { describe, expect, test } from 'vitest';
import {
  cpuRelax, formatChoiceList, load, loadAcquire, MemoryTraceSink, parseChoiceList, schedule, setCurrentState, smpMb, smpRmb, smpWmb, store,
  storeRelease, wakeUpProcess, type BodyRegistry, type Choice, type KernelCode, type Machine,
} from '@kmodsim/cpu';
import { machineOf } from './helpers.js';
import { build, outcomes, runOps, storeBuffering, throughBytes, type Program } from './memory-model-helpers.js';

// The relaxed model: tso's store buffers, and loads that may read an older value (a stale copy)
// until the views say the CPU must see past it. Every outcome is found by trying every order of
// steps, flushes and stale loads (memory-model-helpers.ts).

type Barriers = { readonly writer: 'none' | 'wmb' | 'release'; readonly reader: 'none' | 'rmb' | 'acquire' | 'relax' };

/** P0 stores data (x) then a flag (y); P1 reads the flag into r0, then the data into r1. */
const messagePassing = ({ writer, reader }: Barriers): Program => ({ x, y, r0, r1 }) => [
  function* () {
    yield store(x, 1);
    if (writer === 'wmb') yield smpWmb();
    yield writer === 'release' ? storeRelease(y, 1) : store(y, 1);
  },
  function* () {
    yield store(r0, yield reader === 'acquire' ? loadAcquire(y) : load(y));
    if (reader === 'rmb') yield smpRmb();
    if (reader === 'relax') yield cpuRelax();
    yield store(r1, yield load(x));
  },
];

/** P0 stores x; P1 spins until it reads x=1 (with cpu_relax() between its loads), then stores 1 in r0. */
const spinOnX: Program = ({ x, r0 }) => [
  function* () {
    yield store(x, 1);
  },
  function* () {
    while ((yield load(x)) === 0) yield cpuRelax();
    yield store(r0, 1);
  },
];

/** The spinner has read x=0 from memory, x=1 has then become visible, and it has relaxed: it holds 0 as a copy it has not read. */
function spinnerAfterFreshLoad(): ReturnType<typeof build> {
  const built = build('relaxed', spinOnX);
  const { machine } = built;
  runOps(machine, 1, 0);
  runOps(machine, 0, 1);
  runOps(machine, 1, 1);
  machine.perform({ kind: 'flush', cpu: 0 });
  runOps(machine, 1, 1);
  return built;
}

/** The flag seen, the data missed. */
const FLAG_WITHOUT_DATA = '1,0';

describe('message passing under relaxed', () => {
  test('without barriers the reader can see the flag and miss the data; never under tso or sc', () => {
    const program = messagePassing({ writer: 'none', reader: 'none' });
    expect(outcomes('relaxed', program)).toContain(FLAG_WITHOUT_DATA);
    expect(outcomes('tso', program)).not.toContain(FLAG_WITHOUT_DATA);
    expect(outcomes('sc', program)).not.toContain(FLAG_WITHOUT_DATA);
  });

  test.each([
    [{ writer: 'wmb', reader: 'rmb' }, false],
    [{ writer: 'release', reader: 'acquire' }, false],
    [{ writer: 'release', reader: 'rmb' }, false],
    // Half the pair is no pair: the writer's barrier puts x=1 in what y=1 carries, but only the reader's makes it binding.
    [{ writer: 'wmb', reader: 'none' }, true],
    // And the reader's barrier binds only what the writer's barrier published: a missing smp_wmb() is caught on the reader's side.
    [{ writer: 'none', reader: 'rmb' }, true],
    [{ writer: 'none', reader: 'acquire' }, true],
    // cpu_relax() is no barrier in Linux: it drops only the older values its CPU has read, and P1 read none of x.
    [{ writer: 'wmb', reader: 'relax' }, true],
    [{ writer: 'release', reader: 'relax' }, true],
  ] as const)('%o: flag without data %s', (barriers, reachable) => {
    expect(outcomes('relaxed', messagePassing(barriers)).has(FLAG_WITHOUT_DATA)).toBe(reachable);
  });
});

describe('coherence and the ways a stale copy goes', () => {
  test('a CPU that has read the new value never reads the old one again', () => {
    const program: Program = ({ x, r0, r1 }) => [
      function* () {
        yield store(x, 1);
      },
      function* () {
        yield store(r0, yield load(x));
        yield store(r1, yield load(x));
      },
    ];
    expect(outcomes('relaxed', program)).not.toContain('1,0');
    expect(outcomes('relaxed', program)).toContain('0,1');
  });

  test('store buffering stays as tso has it, and smp_mb() forbids it', () => {
    expect(outcomes('relaxed', storeBuffering(false))).toContain('0,0');
    expect(outcomes('relaxed', storeBuffering(true))).not.toContain('0,0');
  });

  test('cpu_relax() lets a spinning CPU see the flag: a spin on a stale copy ends', () => {
    const { machine, cells } = build('relaxed', spinOnX);
    // The spinner switches in first (a task the host starts carries what every CPU published then).
    runOps(machine, 1, 0);
    runOps(machine, 0, 1);
    machine.perform({ kind: 'flush', cpu: 0 });
    machine.perform({ kind: 'stale', cpu: 1 });
    runOps(machine, 1, 1);
    // The spinner read 0 from its copy and relaxed: the copy is gone, its next load reads 1.
    expect(machine.staleReadable(1)).toBe(false);
    // Its load of 1, its store of r0 into its buffer, and its exit, which drains the buffer.
    runOps(machine, 1, 3);
    expect(machine.read(cells.r0)).toBe(1);
  });

  test('a spin ends when the store reaches memory after the spinner\'s load: one more round, on the copy it left', () => {
    const { machine, cells } = spinnerAfterFreshLoad();
    expect(machine.staleReadable(1)).toBe(true);
    // It may read the copy once more; the cpu_relax() after that drops it.
    machine.perform({ kind: 'stale', cpu: 1 });
    runOps(machine, 1, 1);
    expect(machine.staleReadable(1)).toBe(false);
    runOps(machine, 1, 3);
    expect(machine.read(cells.r0)).toBe(1);
  });
});

describe('stale loads in schedules, traces and snapshots', () => {
  const choices: Choice[] = [{ kind: 'step', cpu: 1 }, { kind: 'stale', cpu: 1 }, { kind: 'flush', cpu: 0 }];

  test('a stale load is s<cpu> in a schedule string and parses back', () => {
    const text = formatChoiceList(choices);
    expect(text).toBe('kms1:list:1,s1,f0');
    const parsed = parseChoiceList(text.slice('kms1:list:'.length));
    expect(parsed.ok && parsed.value).toEqual(choices);
  });

  /** Message passing without barriers, driven to where P1's load of x can read a stale copy. */
  function atStaleLoad(): ReturnType<typeof build> {
    const built = build('relaxed', messagePassing({ writer: 'none', reader: 'none' }));
    const { machine } = built;
    // P1 switches in first (a task the host starts carries what every CPU published then).
    runOps(machine, 1, 0);
    runOps(machine, 0, 2);
    machine.perform({ kind: 'flush', cpu: 0 });
    machine.perform({ kind: 'flush', cpu: 0 });
    runOps(machine, 1, 2);
    return built;
  }

  test('the machine offers the stale load only where a copy older than memory is held, and traces it', () => {
    const { machine, cells } = atStaleLoad();
    expect(machine.staleReadable(1)).toBe(true);
    expect(machine.enabledChoices()).toContainEqual({ kind: 'stale', cpu: 1 });
    expect(machine.staleReadable(0)).toBe(false);
    machine.perform({ kind: 'stale', cpu: 1 });
    machine.perform({ kind: 'step', cpu: 1 });
    expect(machine.read(cells.r1)).toBe(0);
    expect(machine.choiceString()).toMatch(/,s1,1$/);
  });

  test('a stale load where none is held ends the run as a replay divergence', () => {
    const { machine } = build('relaxed', messagePassing({ writer: 'none', reader: 'none' }));
    runOps(machine, 1, 0);
    machine.perform({ kind: 'stale', cpu: 1 });
    expect(machine.fault?.kind).toBe('replay-diverged');
    expect(machine.fault?.message).toContain('CPU 1 has no load of a cell it holds an older value of');
  });

  test('a snapshot keeps the stale copies and views, in memory and as bytes', () => {
    const { machine, cells, bodies } = atStaleLoad();
    const restored = throughBytes(machine, bodies);
    expect(restored.memoryModel).toBe('relaxed');
    expect(restored.staleReadable(1)).toBe(true);
    restored.perform({ kind: 'stale', cpu: 1 });
    restored.perform({ kind: 'step', cpu: 1 });
    expect(restored.read(cells.r1)).toBe(0);
  });

  test('the trace says a load read an older value than memory\'s', () => {
    const sink = new MemoryTraceSink();
    const { machine } = build('relaxed', messagePassing({ writer: 'none', reader: 'none' }), sink);
    runOps(machine, 1, 0);
    runOps(machine, 0, 2);
    machine.perform({ kind: 'flush', cpu: 0 });
    machine.perform({ kind: 'flush', cpu: 0 });
    runOps(machine, 1, 2);
    machine.perform({ kind: 'stale', cpu: 1 });
    expect(sink.events.at(-1)?.detail).toMatch(/-> 0 .*an older value than memory's: its stale copy$/);
  });
});

describe('cpu_relax() across a snapshot', () => {
  test('a snapshot keeps which copies its CPU has read: cpu_relax() after the restore drops them', () => {
    const { machine, bodies } = spinnerAfterFreshLoad();
    machine.perform({ kind: 'stale', cpu: 1 });
    const restored = throughBytes(machine, bodies);
    // Its cpu_relax(): the next load reads memory's x=1, as the original's would.
    restored.perform({ kind: 'step', cpu: 1 });
    expect(restored.staleReadable(1)).toBe(false);
  });
});

describe('when a store becomes visible to each CPU', () => {
  test('the trace shows when a store became visible to each CPU: the barrier that dropped the older copy', () => {
    const sink = new MemoryTraceSink();
    const { machine } = build('relaxed', messagePassing({ writer: 'wmb', reader: 'rmb' }), sink);
    runOps(machine, 1, 0);
    runOps(machine, 0, 3);
    machine.perform({ kind: 'flush', cpu: 0 });
    machine.perform({ kind: 'flush', cpu: 0 });
    // P1 reads the flag, stores it in r0, then smp_rmb(): x=1 becomes visible to CPU 1 there.
    runOps(machine, 1, 3);
    const dropped = sink.events.filter((event) => event.name === 'stale_dropped');
    expect(dropped.map((event) => [event.cpu, event.detail])).toEqual([[1, 'x = 1 on this CPU from here: its older value 0 is gone']]);
    expect(sink.events.at(-2)?.name).toBe('smp_rmb');
  });
});

describe('a stale copy dropped by a switch', () => {
  test('is traced right under the sched_switch that brought in the task whose waker wrote the cell', () => {
    const sink = new MemoryTraceSink();
    const machine = machineOf({ cpuCount: 2, memoryModel: 'relaxed', trace: sink });
    const x = machine.alloc('x', 1).base;
    const sleeper = machine.spawn({
      name: 'sleeper', cpu: 1, bound: true, body: function* (): KernelCode<void> {
        yield setCurrentState('TASK_UNINTERRUPTIBLE');
        yield schedule();
        yield load(x);
      },
    });
    machine.spawn({
      name: 'waker', cpu: 0, bound: true, body: function* (): KernelCode<void> {
        yield store(x, 1);
        // smp_mb() makes x=1 visible, leaving CPU 1 its older 0; the wake hands the sleeper what CPU 0 published.
        yield smpMb();
        yield wakeUpProcess(sleeper);
      },
    });
    // The sleeper switches in, sets its state and sleeps; the waker stores, orders and wakes it.
    runOps(machine, 1, 2);
    runOps(machine, 0, 3);
    // CPU 1 switches the sleeper back in: it learns x=1, its older copy goes.
    machine.perform({ kind: 'step', cpu: 1 });
    const onCpu1 = sink.events.filter((event) => event.cpu === 1).map((event) => event.name);
    expect(onCpu1.slice(-2)).toEqual(['sched_switch', 'stale_dropped']);
    expect(sink.events.at(-1)?.detail).toBe('x = 1 on this CPU from here: its older value 0 is gone');
  });
});

describe('acquire and release under sc and tso', () => {
  test('are a plain load and store: the same outcomes as READ_ONCE and WRITE_ONCE', () => {
    const plain = messagePassing({ writer: 'none', reader: 'none' });
    const ordered = messagePassing({ writer: 'release', reader: 'acquire' });
    for (const model of ['sc', 'tso'] as const) expect(outcomes(model, ordered)).toEqual(outcomes(model, plain));
  });
});

describe('a full barrier is strongly cumulative (Z6.3)', () => {
  /** P0: x=1; smp_mb(); y=1. P1: y=2; smp_mb(); z=1. P2: r0=z; smp_rmb(); then its load of x, left pending. */
  function z63(): { machine: Machine; cells: Record<'x' | 'y' | 'z' | 'r0', number>; bodies: BodyRegistry } {
    const machine = machineOf({ cpuCount: 3, memoryModel: 'relaxed', snapshots: true });
    const base = machine.alloc('z63', 4, { fields: ['x', 'y', 'z', 'r0'] }).base;
    const cells = { x: base, y: base + 1, z: base + 2, r0: base + 3 };
    const bodies = {
      P0: () => function* (): KernelCode<void> { yield store(cells.x, 1); yield smpMb(); yield store(cells.y, 1); },
      P1: () => function* (): KernelCode<void> { yield store(cells.y, 2); yield smpMb(); yield store(cells.z, 1); },
      P2: () => function* (): KernelCode<void> { yield store(cells.r0, yield load(cells.z)); yield smpRmb(); yield load(cells.x); },
    };
    for (const [cpu, name] of (['P0', 'P1', 'P2'] as const).entries()) machine.spawn({ name, cpu, bound: true, body: bodies[name](), bodyRef: { name } });
    return { machine, cells, bodies };
  }

  /** P2 holds x's older value; P0 has run (x=1 and y=1 visible), and P1 has written y=2 over y=1, before its smp_mb(). */
  function afterOverwrite(): ReturnType<typeof z63> {
    const built = z63();
    const { machine } = built;
    runOps(machine, 2, 0);
    runOps(machine, 0, 3);
    machine.perform({ kind: 'flush', cpu: 0 });
    runOps(machine, 1, 1);
    machine.perform({ kind: 'flush', cpu: 1 });
    return built;
  }

  /** P1's smp_mb() and z=1, then P2's load of z=1 and smp_rmb(): whether P2 may still read x's older value. */
  function staleAfterReadingZ(machine: Machine, cells: { readonly r0: number }): boolean {
    runOps(machine, 1, 2);
    machine.perform({ kind: 'flush', cpu: 1 });
    runOps(machine, 2, 3);
    machine.perform({ kind: 'flush', cpu: 2 });
    expect(machine.read(cells.r0)).toBe(1);
    return machine.staleReadable(2);
  }

  test('a reader ordered after the overwriter\'s smp_mb() sees what the first writer\'s smp_mb() made visible to all', () => {
    const { machine, cells } = afterOverwrite();
    expect(machine.staleReadable(2)).toBe(false);
    expect(staleAfterReadingZ(machine, cells)).toBe(false);
  });

  test('a snapshot keeps what the overwrite taught the overwriter\'s CPU, in memory and as bytes', () => {
    const { machine, cells, bodies } = afterOverwrite();
    expect(staleAfterReadingZ(throughBytes(machine, bodies), cells)).toBe(false);
  });
});
