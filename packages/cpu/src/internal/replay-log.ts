import type { TaskStateName } from '../ops.js';
import type { ContextSave, LogSave } from '../snapshot.js';
import { growFloat64 } from './growable.js';

// What a task's generator has been fed since it was spawned, so that a snapshot can rebuild the
// generator without holding it: run the body again and feed it the same values, and it reaches
// the same point with the same locals. A body also reads its own context (`self.cpu`,
// `self.preemptCount`, ...) between yields, so each change of that context is logged too, at the
// value it came before. The operations the body yielded are kept as a hash of their codes: a
// replay that yields others has diverged.
//
// A rest point (the `rest()` marker a kthread yields at its loop head) cuts the log back to what
// it held at the first rest point: a body started afresh and fed that much is at its loop head
// again, so the log of a long-lived kthread never grows with the work it did.
//
// Host code that reads simulated memory without a step (machine.read, as the module core's
// bookkeeping reads a module's state word) from inside a body reads what memory held then, not
// what it holds at a replay: those values are logged apart, in order, and a replay hands them back.
//
// Recording is on the step loop's hot path: one context comparison, one store and one hash per
// resumption, no allocation but the log's doubling.

/** Task states as small numbers in the context marks. */
export const STATE_CODES: readonly TaskStateName[] = ['TASK_RUNNING', 'TASK_UNINTERRUPTIBLE', 'TASK_INTERRUPTIBLE', 'TASK_DEAD'];

/** What a body can see of itself: logged whenever it changes. */
export interface LoggedContext {
  cpuNow: number;
  state: TaskStateName;
  preemptCount: number;
  irqsOff: boolean;
}

/**
 * Words per context mark: the resumption it applies from, then the CPU, state code, preempt count
 * and interrupts-off flag. Resumption 2i is the one fed value i; 2i - 1 is the one right after a
 * rest marker that the resumption fed value i - 1 reached.
 */
export const MARK_WORDS = 5;

const HASH_SEED = 0x811c9dc5;

export class ReplayLog {
  values = new Float64Array(16);
  length = 0;
  /** Context changes, MARK_WORDS numbers each. */
  marks: number[] = [];
  /** A hash of the codes of every operation the body yielded (rest markers aside), and of where it read memory. */
  hash = HASH_SEED;
  /** Values the body read from simulated memory through machine.read, in order. */
  reads = new Float64Array(4);
  readsLength = 0;
  /** Plain values the body received from other tasks through host objects (machine.received), in order. */
  received: unknown[] = [];
  restReceived = 0;
  /** The log's length, marks' length, reads' length, hash and context at the first rest point; restLength -1 before one. */
  restLength = -1;
  restReads = 0;
  restMarks = 0;
  restHash = HASH_SEED;
  /**
   * Running hashes of the values, the reads and the context marks as logged, in order: with the
   * spawn context and the body they say which state the generator is in (see state-hash.ts).
   * Recomputed when a log is loaded; cut back with the log at a rest point.
   */
  valuesHash = HASH_SEED;
  readsHash = HASH_SEED;
  marksHash = HASH_SEED;
  private restValuesHash = HASH_SEED;
  private restReadsHash = HASH_SEED;
  private restMarksHash = HASH_SEED;
  /** The context the body was called with at spawn, which a replay calls it with again. */
  readonly spawned: Readonly<LoggedContext>;
  private readonly restContext: LoggedContext;
  /** The context as last logged (or as it was at spawn). */
  private readonly seen: LoggedContext;

  /** A log for `task`, whose body sees the context it has now when it is first resumed, unless the log says otherwise. */
  constructor(private readonly task: LoggedContext, spawned: ContextSave = task) {
    this.spawned = { cpuNow: spawned.cpuNow, state: spawned.state, preemptCount: spawned.preemptCount, irqsOff: spawned.irqsOff };
    this.seen = { ...this.spawned };
    this.restContext = { ...this.spawned };
  }

  /** Logs a value the task's generator is about to be resumed with, after any change of its context. */
  record(value: number): void {
    const task = this.task;
    const seen = this.seen;
    if (task.cpuNow !== seen.cpuNow || task.state !== seen.state || task.preemptCount !== seen.preemptCount || task.irqsOff !== seen.irqsOff) this.mark(task, 2 * this.length);
    if (this.length === this.values.length) this.values = growFloat64(this.values, this.length + 1);
    this.values[this.length++] = value;
    this.valuesHash = mixValue(this.valuesHash, value);
  }

  /** Logs a value the body read from memory without a step. */
  read(value: number): void {
    if (this.readsLength === this.reads.length) this.reads = growFloat64(this.reads, this.readsLength + 1);
    this.reads[this.readsLength++] = value;
    this.readsHash = mixValue(this.readsHash, value);
    this.hash = mixCode(this.hash, READ_CODE);
  }

  /** Logs a value the body received through host objects. */
  receive(value: unknown): void {
    this.received.push(value);
    this.hash = mixCode(this.hash, RECEIVE_CODE);
  }

  /** Logs the code of the operation the body yielded. */
  yielded(code: number): void {
    this.hash = mixCode(this.hash, code);
  }

  /**
   * The body yielded a rest marker: the first one fixes the rest point, a later one cuts the log
   * back to it. The code after the marker runs (in this same resumption) with the task's context
   * as it is now, which a replay applies from the rest point on.
   */
  rest(): void {
    const task = this.task;
    if (this.restLength < 0) {
      this.restLength = this.length;
      this.restMarks = this.marks.length;
      this.restReads = this.readsLength;
      this.restReceived = this.received.length;
      this.restHash = this.hash;
      this.restValuesHash = this.valuesHash;
      this.restReadsHash = this.readsHash;
      this.restMarksHash = this.marksHash;
      Object.assign(this.restContext, this.seen);
      return;
    }
    this.length = this.restLength;
    this.marks.length = this.restMarks;
    this.readsLength = this.restReads;
    this.received.length = this.restReceived;
    this.hash = this.restHash;
    this.valuesHash = this.restValuesHash;
    this.readsHash = this.restReadsHash;
    this.marksHash = this.restMarksHash;
    const seen = this.seen;
    Object.assign(seen, this.restContext);
    if (task.cpuNow !== seen.cpuNow || task.state !== seen.state || task.preemptCount !== seen.preemptCount || task.irqsOff !== seen.irqsOff) this.mark(task, 2 * this.length - 1);
  }

  /** The log as plain data, copied. */
  save(): LogSave {
    return {
      values: this.values.slice(0, this.length),
      marks: this.marks.slice(),
      reads: this.reads.slice(0, this.readsLength),
      restReads: this.restReads,
      received: this.received.slice(),
      restReceived: this.restReceived,
      hash: this.hash,
      restLength: this.restLength,
      restMarks: this.restMarks,
      restHash: this.restHash,
      spawned: { ...this.spawned },
      seen: { ...this.seen },
      restContext: { ...this.restContext },
    };
  }

  /** A log for `task` that goes on from a saved one. */
  static load(task: LoggedContext, save: LogSave): ReplayLog {
    const log = new ReplayLog(task, save.spawned);
    log.values = save.values.slice();
    log.length = save.values.length;
    log.marks = [...save.marks];
    log.reads = save.reads.slice();
    log.readsLength = save.reads.length;
    log.restReads = save.restReads;
    log.received = save.received.slice();
    log.restReceived = save.restReceived;
    log.hash = save.hash;
    log.restLength = save.restLength;
    log.restMarks = save.restMarks;
    log.restHash = save.restHash;
    Object.assign(log.seen, save.seen);
    Object.assign(log.restContext, save.restContext);
    log.rehash();
    return log;
  }

  /** The running hashes of a log loaded whole, as they were when it was written (and at its rest point). */
  private rehash(): void {
    const restValues = Math.max(0, this.restLength);
    this.restValuesHash = hashFrom(HASH_SEED, this.values, 0, restValues);
    this.valuesHash = hashFrom(this.restValuesHash, this.values, restValues, this.length);
    this.restReadsHash = hashFrom(HASH_SEED, this.reads, 0, this.restReads);
    this.readsHash = hashFrom(this.restReadsHash, this.reads, this.restReads, this.readsLength);
    this.restMarksHash = hashFrom(HASH_SEED, this.marks, 0, this.restMarks);
    this.marksHash = hashFrom(this.restMarksHash, this.marks, this.restMarks, this.marks.length);
  }

  private mark(task: LoggedContext, resumption: number): void {
    const words = [resumption, task.cpuNow, STATE_CODES.indexOf(task.state), task.preemptCount, task.irqsOff ? 1 : 0];
    this.marks.push(...words);
    this.marksHash = hashFrom(this.marksHash, words, 0, MARK_WORDS);
    const seen = this.seen;
    seen.cpuNow = task.cpuNow;
    seen.state = task.state;
    seen.preemptCount = task.preemptCount;
    seen.irqsOff = task.irqsOff;
  }
}

export function mixCode(hash: number, code: number): number {
  return Math.imul(hash ^ code, 0x01000193) >>> 0;
}

export const REPLAY_HASH_SEED = HASH_SEED;

/** Mixes a logged number (any float) into a running hash: its two 32-bit halves. */
export function mixValue(hash: number, value: number): number {
  if ((value | 0) === value) return Math.imul(hash ^ value, 0x01000193) >>> 0;
  HALVES_FLOAT[0] = value;
  return Math.imul(Math.imul(hash ^ (HALVES_INT[0] ?? 0), 0x01000193) ^ (HALVES_INT[1] ?? 0), 0x01000193) >>> 0;
}

const HALVES_FLOAT = new Float64Array(1);
const HALVES_INT = new Int32Array(HALVES_FLOAT.buffer);

function hashFrom(seed: number, values: ArrayLike<number>, from: number, to: number): number {
  let hash = seed;
  for (let index = from; index < to; index++) hash = mixValue(hash, values[index] ?? 0);
  return hash;
}

/** What a read of memory without a step mixes into the hash: no operation's code. */
export const READ_CODE = -2;

/** What a value received through host objects mixes into the hash. */
export const RECEIVE_CODE = -3;
