import { OpCode, type KernelCode, type Operation, type TaskSpec } from '../ops.js';
import { ok, type Result } from '../result.js';
import { snapshotFailure, type ContextSave, type LogSave, type SnapshotFailure } from '../snapshot.js';
import type { Task } from '../task.js';
import type { LoggedReads, MachineCore } from './core.js';
import { MARK_WORDS, mixCode, READ_CODE, RECEIVE_CODE, REPLAY_HASH_SEED, STATE_CODES } from './replay-log.js';

// Rebuilding a task's generator from its replay log: its body is called again with the task as
// `self` and fed the logged values, the task's context set as the log says it was at each one.
// No scheduler, cost model or trace takes part: this is plain JavaScript, as fast as the body.
// The operations the body yields are checked against the log's hash of those it yielded, and the
// last against the one the task has pending: a body that yields others depends on something the
// log does not hold (a JavaScript object outside simulated memory, the host's clock), and is refused.

/** What a replayed body is now, as the task left it. */
export interface Replayed {
  readonly generator: KernelCode;
  /** The last operation it yielded (its pending one, if the task has one). */
  readonly lastOp: Operation | undefined;
  /** Its body returned: the task's next step is do_exit. */
  readonly returned: boolean;
  readonly returnValue: unknown;
}

/** What the task was doing, to check the replay against. */
export interface ReplayTarget {
  readonly next: 'pending' | 'exit' | 'none';
  readonly pendingKey: string;
}

/** The words the restored machine's and the snapshot's messages share about the limit replay has. */
export const REPLAY_LIMIT = 'a task is restored by running its body again, so the body must keep its state in simulated memory or its own local variables; JavaScript objects it reaches outside simulated memory (a ModuleCore, a strategy\'s runtime) are not part of a snapshot and must be restored with it';

/** Runs `spec`'s body again with `task` as its self, fed what `log` holds; fails when it does not do what the log says it did. */
export function replayBody(core: MachineCore, task: Task, spec: TaskSpec, log: LogSave, target: ReplayTarget): Result<Replayed, SnapshotFailure> {
  const who = `${task.comm}-${task.pid}`;
  setContext(task, log.spawned);
  let generator: KernelCode;
  try {
    generator = spec.body(task);
  } catch (error) {
    return replayFailure('replay-threw', task.pid, `${who}'s body threw when run again: ${errorText(error)}`);
  }
  const run = new BodyReplay(core, task, generator, log);
  const problem = run.feedAll();
  if (problem !== undefined) return replayFailure(problem.kind, task.pid, `${who}: ${problem.why}`);
  const mismatch = run.mismatch(target);
  if (mismatch !== undefined) return replayFailure('replay-diverged', task.pid, `${who}: run again, its body ${mismatch}`);
  return ok({ generator, lastOp: run.lastOp, returned: run.returned, returnValue: run.returnValue });
}

/** The pending operation as text for comparing two of them: its fields, functions left out. */
export function opKey(op: Operation | undefined): string {
  if (op === undefined) return '';
  try {
    return JSON.stringify(op);
  } catch {
    return String(op.code);
  }
}

class BodyReplay implements LoggedReads {
  lastOp: Operation | undefined = undefined;
  returned = false;
  returnValue: unknown = undefined;
  private hash = REPLAY_HASH_SEED;
  private markCursor = 0;
  private readCursor = 0;
  private receivedCursor = 0;
  /** What the body threw, when it did. */
  private thrown = '';

  constructor(private readonly core: MachineCore, private readonly task: Task, private readonly generator: KernelCode, private readonly log: LogSave) {}

  /** machine.read from the body while it is run again: what it read then (0 past the log's end, which the hash then shows). */
  nextRead(): number {
    this.hash = mixCode(this.hash, READ_CODE);
    const reads = this.log.reads;
    return this.readCursor < reads.length ? (reads[this.readCursor++] ?? 0) : 0;
  }

  /** Feeds every logged value; a problem when the body throws, returns early or rests elsewhere. */
  feedAll(): { readonly kind: 'replay-threw' | 'replay-diverged'; readonly why: string } | undefined {
    const values = this.log.values;
    for (let index = 0; index < values.length; index++) {
      if (this.returned) return { kind: 'replay-diverged', why: `run again, its body returned after ${index} of the ${values.length} values it was fed` };
      this.applyMarks(2 * index);
      let step = this.resume(values[index] ?? 0);
      while (step !== undefined && step.done !== true && (step.value as Operation | undefined)?.code === OpCode.Rest) {
        if (index + 1 !== this.log.restLength) return { kind: 'replay-diverged', why: `run again, its body rested where it did not (after ${index + 1} values, its rest point being after ${this.log.restLength})` };
        this.applyMarks(2 * index + 1);
        step = this.resume(0);
      }
      if (step === undefined) return { kind: 'replay-threw', why: `its body threw when run again: ${this.thrown}` };
      if (step.done === true) {
        this.returned = true;
        this.returnValue = step.value;
        continue;
      }
      this.lastOp = step.value;
      this.hash = mixCode(this.hash, (step.value as Operation | undefined)?.code ?? -1);
    }
    return undefined;
  }

  /** Machine.received from the body while it is run again: what it received then. */
  nextReceived(): unknown {
    this.hash = mixCode(this.hash, RECEIVE_CODE);
    const received = this.log.received;
    return this.receivedCursor < received.length ? received[this.receivedCursor++] : undefined;
  }

  /** How the replay differs from what the task did, or undefined. */
  mismatch(target: ReplayTarget): string | undefined {
    if (this.hash !== this.log.hash) return `yielded other operations than it did, or read memory elsewhere (its log holds ${this.log.values.length} values)`;
    if (target.next === 'exit' && !this.returned) return 'did not return where it had returned';
    if (target.next !== 'exit' && this.returned) return 'returned where it had not';
    if (target.next === 'pending' && opKey(this.lastOp) !== target.pendingKey) return `yields ${opKey(this.lastOp)} next where it yielded ${target.pendingKey}`;
    return undefined;
  }

  private resume(value: number): IteratorResult<Operation, unknown> | undefined {
    this.core.replaying = this;
    try {
      return this.generator.next(value);
    } catch (error) {
      this.thrown = errorText(error);
      return undefined;
    } finally {
      this.core.replaying = undefined;
    }
  }

  /** Sets the task's context as the log says it was from resumption `resumption` on (see MARK_WORDS). */
  private applyMarks(resumption: number): void {
    const marks = this.log.marks;
    while (this.markCursor < marks.length && (marks[this.markCursor] ?? Infinity) <= resumption) {
      const at = this.markCursor;
      this.task.cpuNow = marks[at + 1] ?? 0;
      this.task.state = STATE_CODES[marks[at + 2] ?? 0] ?? 'TASK_RUNNING';
      this.task.preemptCount = marks[at + 3] ?? 0;
      this.task.irqsOff = marks[at + 4] === 1;
      this.markCursor += MARK_WORDS;
    }
  }
}

function setContext(task: Task, context: ContextSave): void {
  task.cpuNow = context.cpuNow;
  task.state = context.state;
  task.preemptCount = context.preemptCount;
  task.irqsOff = context.irqsOff;
}

function replayFailure(problem: 'replay-threw' | 'replay-diverged', pid: number, why: string): SnapshotFailure {
  return snapshotFailure(problem, pid, `cannot snapshot or restore ${why}; ${REPLAY_LIMIT}`);
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
