import {
  decodeSnapshot, encodeSnapshot, load, Machine, OpCode, smpMb, store, type BodyRegistry, type Choice, type KernelCode, type MemoryModelName, type TraceSink,
} from '@kmodsim/cpu';
import { machineOf } from './helpers.js';

// Small two-CPU programs under a memory model, and every ending they can reach: what the memory
// model tests (tso.test.ts, relaxed.test.ts) say reachable or not is exact, not sampled.

export type Program = (cells: Cells) => [() => KernelCode<void>, () => KernelCode<void>];

export type Cells = { x: number; y: number; r0: number; r1: number };

export function build(model: MemoryModelName, program: Program, trace?: TraceSink): { machine: Machine; cells: Cells; bodies: BodyRegistry } {
  const machine = machineOf({ cpuCount: 2, memoryModel: model, snapshots: true, ...(trace === undefined ? {} : { trace }) });
  const base = machine.alloc('litmus', 4, { fields: ['x', 'y', 'r0', 'r1'] }).base;
  const cells = { x: base, y: base + 1, r0: base + 2, r1: base + 3 };
  const [p0, p1] = program(cells);
  machine.spawn({ name: 'P0', cpu: 0, bound: true, body: p0, bodyRef: { name: 'P0' } });
  machine.spawn({ name: 'P1', cpu: 1, bound: true, body: p1, bodyRef: { name: 'P1' } });
  return { machine, cells, bodies: { P0: () => p0, P1: () => p1 } };
}

/** The machine as a snapshot taken, turned into bytes and back, and restored: what a rewind or a saved run goes on from. */
export function throughBytes(machine: Machine, bodies: BodyRegistry): Machine {
  const taken = machine.snapshot();
  if (!taken.ok) throw new Error(taken.message);
  const bytes = encodeSnapshot(taken.value);
  if (!bytes.ok) throw new Error(bytes.message);
  const decoded = decodeSnapshot(bytes.value, bodies);
  if (!decoded.ok) throw new Error(decoded.message);
  const restored = Machine.restore(decoded.value);
  if (!restored.ok) throw new Error(restored.message);
  return restored.value;
}

/** Steps `cpu` until it has performed `count` more operations (its first step only switches to its task). */
export function runOps(machine: Machine, cpu: number, count: number): void {
  if (machine.pendingOperation(cpu) === undefined) machine.perform({ kind: 'step', cpu });
  for (let done = 0; done < count; done++) machine.perform({ kind: 'step', cpu });
}

/**
 * Every ending of `program` over every order of steps and flushes (and under relaxed, stale loads): a depth-first search that
 * builds the machine afresh for each prefix (cheaper here than snapshots, which check each body).
 */
export function endings(model: MemoryModelName, program: Program, ending: (machine: Machine, cells: Cells) => string, prepare?: (machine: Machine, cells: Cells) => void): Set<string> {
  const found = new Set<string>();
  const visit = (prefix: readonly Choice[]): void => {
    const { machine, cells } = build(model, program);
    prepare?.(machine, cells);
    for (const choice of prefix) machine.perform(choice);
    const enabled = machine.status === 'running' ? machine.enabledChoices().filter((choice) => choice.kind === 'step' || choice.kind === 'flush' || choice.kind === 'stale') : [];
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

/** Switching to a task, and under tso and relaxed a store into the CPU's own buffer. */
function invisible(machine: Machine, cpu: number): boolean {
  const op = machine.pendingOperation(cpu);
  return op === undefined || (machine.memoryModel !== 'sc' && op.code === OpCode.Store);
}

/** Every final (r0, r1). */
export function outcomes(model: MemoryModelName, program: Program): Set<string> {
  return endings(model, program, (machine, cells) => machine.status === 'finished' ? `${machine.read(cells.r0)},${machine.read(cells.r1)}` : machine.fault?.kind ?? 'stuck');
}


/** Store buffering: each CPU stores its flag and reads the other's (with smp_mb() between when `fence`). */
export const storeBuffering = (fence: boolean): Program => ({ x, y, r0, r1 }) => [
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
