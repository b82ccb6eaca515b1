import { EXIT_TASK, type TaskBody } from '../ops.js';
import type { Task } from '../task.js';
import type { MachineCore } from './core.js';
import { saveRelaxed } from './relaxed-snapshot.js';
import { saveRunQueues } from './run-queues.js';
import { saveStoreBuffers } from './store-buffers.js';

// A fingerprint of everything that decides what a machine does from now on, for a search that
// stops where an earlier run already was (explicit-state search: see @kmodsim/explore's
// state-search.ts). Two machines with the same fingerprint go on alike under the same choices,
// up to a collision of the hash (two 32-bit lanes, of which 53 bits are kept: with a million
// states, one chance in about ten billion). What is hashed is what a snapshot keeps (see
// snapshot-take.ts): memory with its objects and cache lines, the clocks, run queues, timers,
// interrupt sources, store buffers and relaxed views, oopses, every task's state and the running
// hashes of its replay log (a generator is in the state its log says: the same body fed the same
// values), and the host parts' saved states (or what each part says decides its behaviour: see
// HostState.fingerprint). Left out: the step count, the recorded choices, slice lengths and
// statistics (coherence cycles), which no run under given choices reads; and, when asked, the
// clocks and what only moves them. A generator cannot be looked into, so a
// point where an interrupt handler runs or an IPI waits (their code keeps no log), or where a
// task keeps no log, has no fingerprint.

const SEED_A = 0x811c9dc5;
const SEED_B = 0x3c6ef372;
/** Objects nested deeper than this in a host part's state are told apart by identity. */
const DEPTH = 6;
/** Distinct strings whose hashes are kept. */
const STRINGS = 4096;

/** Two independent 32-bit hashes, mixed a number at a time. */
class Lanes {
  a = SEED_A;
  b = SEED_B;
  private readonly strings = new Map<string, number>();
  private readonly float = new Float64Array(1);
  private readonly halves = new Int32Array(this.float.buffer);

  int(value: number): void {
    this.a = Math.imul(this.a ^ value, 0x01000193) >>> 0;
    this.b = Math.imul((this.b ^ value) + 0x7f4a7c15, 0x5bd1e995) >>> 0;
    this.b ^= this.b >>> 15;
  }

  number(value: number): void {
    if ((value | 0) === value) {
      this.int(value);
      return;
    }
    this.float[0] = value;
    this.int(this.halves[0] ?? 0);
    this.int(this.halves[1] ?? 0);
  }

  /** Strings are hashed once each (names and keys recur at every point), up to STRINGS kept. */
  string(text: string): void {
    let hash = this.strings.get(text);
    if (hash === undefined) {
      hash = text.length;
      for (let index = 0; index < text.length; index++) hash = Math.imul(hash ^ text.charCodeAt(index), 0x01000193) >>> 0;
      if (this.strings.size >= STRINGS) this.strings.clear();
      this.strings.set(text, hash);
    }
    this.int(hash);
  }

  reset(): void {
    this.a = SEED_A;
    this.b = SEED_B;
  }

  numbers(values: ArrayLike<number>, from = 0, to = values.length): void {
    this.int(to - from);
    for (let index = from; index < to; index++) this.number(values[index] ?? 0);
  }

  get fingerprint(): number {
    return (this.a >>> 0) * 2 ** 21 + (this.b & 0x1fffff);
  }
}

const LANES = new Lanes();

/** Ids for host objects and functions, told apart by identity (stable for one object across runs). */
const identities = new WeakMap<object, number>();
let nextIdentity = 1;

function identityOf(value: object): number {
  let id = identities.get(value);
  if (id === undefined) {
    id = nextIdentity++;
    identities.set(value, id);
  }
  return id;
}

/** Mixes a host part's saved value: plain data by content, anything else by identity. */
function mixValue(lanes: Lanes, value: unknown, depth: number): void {
  switch (typeof value) {
    case 'number': lanes.int(1); lanes.number(value); return;
    case 'string': lanes.int(2); lanes.string(value); return;
    case 'boolean': lanes.int(value ? 3 : 4); return;
    case 'undefined': lanes.int(5); return;
    case 'bigint': lanes.int(6); lanes.string(value.toString(16)); return;
    case 'symbol': lanes.int(7); lanes.string(value.description ?? ''); return;
    case 'function': lanes.int(8); lanes.int(identityOf(value)); return;
    case 'object': mixObject(lanes, value, depth);
  }
}

function mixObject(lanes: Lanes, value: object | null, depth: number): void {
  if (value === null) {
    lanes.int(9);
    return;
  }
  if (depth >= DEPTH) {
    lanes.int(10);
    lanes.int(identityOf(value));
    return;
  }
  if (Array.isArray(value)) {
    lanes.int(11);
    lanes.int(value.length);
    for (const item of value) mixValue(lanes, item, depth + 1);
    return;
  }
  if (ArrayBuffer.isView(value) && !(value instanceof DataView) && !(value instanceof BigInt64Array) && !(value instanceof BigUint64Array)) {
    lanes.int(12);
    lanes.numbers(value as unknown as ArrayLike<number>);
    return;
  }
  if (value instanceof Map || value instanceof Set) {
    lanes.int(value instanceof Map ? 13 : 14);
    lanes.int(value.size);
    for (const entry of value) mixValue(lanes, entry, depth + 1);
    return;
  }
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) {
    // A host object (a module, a stop_machine round): its state is what its part saved beside it.
    lanes.int(15);
    lanes.int(identityOf(value));
    return;
  }
  lanes.int(16);
  for (const key in value) {
    lanes.string(key);
    mixValue(lanes, (value as Record<string, unknown>)[key], depth + 1);
  }
}

/** The machine's fingerprint now, or undefined where it has none (see above). */
export function stateFingerprint(core: MachineCore, clocks: boolean): number | undefined {
  if (core.faults.current !== undefined || core.interrupts.work > 0) return undefined;
  // One set of lanes, reset for each fingerprint: a fingerprint is taken at every point of a search.
  const lanes = LANES;
  lanes.reset();
  for (const task of core.tasks) {
    if (task === undefined) continue;
    if (task.state !== 'TASK_DEAD' && task.log === undefined) return undefined;
    mixTask(lanes, task, clocks);
  }
  core.memory.hashInto(lanes, clocks);
  if (clocks) lanes.numbers(core.clocks);
  lanes.int(core.liveTasks);
  for (const [cell, cpu] of core.localOwners) {
    lanes.int(cell);
    lanes.int(cpu);
  }
  // Slice lengths are left out: only a scheduler reads them, and the same choices are made here.
  const { sliceSteps: _slices, ...runQueues } = saveRunQueues(core);
  mixValue(lanes, runQueues, 0);
  mixTimers(lanes, core, clocks);
  for (const source of core.interrupts.sources) lanes.int(source.fired);
  mixValue(lanes, core.faults.oopses, 0);
  const buffers = core.storeBuffers;
  if (core.tso) mixValue(lanes, saveStoreBuffers(buffers), 0);
  if (buffers.views !== undefined) mixValue(lanes, saveRelaxed(buffers.views, buffers.tags), 0);
  for (const part of core.hostParts) {
    const saved = part.save();
    mixValue(lanes, part.fingerprint === undefined ? saved : part.fingerprint(saved), 0);
  }
  return lanes.fingerprint;
}

/** Pending timers (whom each wakes, and when if clocks count), and how many were ever armed. Whom the last choice's timers woke is the explorer's footprint, not state. */
function mixTimers(lanes: Lanes, core: MachineCore, clocks: boolean): void {
  const { timers, nextId } = core.timers.queue.save();
  lanes.int(nextId);
  lanes.int(timers.length);
  for (const timer of timers) {
    lanes.int(timer.pid);
    lanes.int(timer.id);
    if (clocks) lanes.number(timer.expiresAtCycles);
  }
}

/**
 * Which code a task runs: its body's source, hashed once per function. A body spawned during a
 * run is a new closure in each run; what it closes over is its spawner's state, told apart by
 * the spawner's own log.
 */
function codeOf(body: TaskBody): number {
  let hash = codeHashes.get(body);
  if (hash === undefined) {
    hash = 0x811c9dc5;
    const source = String(body);
    for (let index = 0; index < source.length; index++) hash = Math.imul(hash ^ source.charCodeAt(index), 0x01000193) >>> 0;
    codeHashes.set(body, hash);
  }
  return hash;
}

const codeHashes = new WeakMap<TaskBody, number>();

function mixTask(lanes: Lanes, task: Task, clocks: boolean): void {
  lanes.int(task.pid);
  lanes.string(task.comm);
  lanes.int(codeOf(task.spec.body));
  lanes.string(task.state);
  lanes.int((task.queued ? 1 : 0) | (task.irqsOff ? 2 : 0) | (task.bound ? 4 : 0) | (task.next === undefined ? 8 : task.next === EXIT_TASK ? 16 : 0));
  lanes.int(task.preemptCount);
  lanes.int(task.timerId);
  lanes.number(task.resumeValue);
  if (clocks) lanes.number(task.readyAtCycles);
  lanes.int(task.cpuNow);
  lanes.int(task.homeCpu);
  mixValue(lanes, task.exitValue, 0);
  const log = task.log;
  if (log === undefined) return;
  lanes.int(log.length);
  lanes.int(log.readsLength);
  lanes.int(log.marks.length);
  lanes.int(log.hash);
  lanes.int(log.valuesHash);
  lanes.int(log.readsHash);
  lanes.int(log.marksHash);
  lanes.int(log.restLength);
  mixValue(lanes, log.received, 0);
}

export type { Lanes as StateLanes };
