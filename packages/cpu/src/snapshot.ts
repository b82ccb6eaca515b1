import type { Fault } from './fault.js';
import type { HostSave } from './host-state.js';
import type { FaultPolicy } from './internal/faults.js';
import type { IrqSourceSpec } from './internal/interrupts.js';
import type { Timer } from './internal/timers.js';
import type { MemObject } from './memory.js';
import type { TaskBody, TaskPriority, TaskSpec, TaskStateName } from './ops.js';
import type { MachineProfile } from './profiles.js';
import { fail, type Failure } from './result.js';
import type { Scheduler } from './schedulers/scheduler.js';
import type { Topology } from './topology.js';
import type { TraceSink } from './trace.js';

// A machine's state as a value: Machine.snapshot() takes it, Machine.restore() builds a machine
// from it that goes on exactly as the original would, and encodeSnapshot()/decodeSnapshot() turn
// it into bytes and back. Tasks are kept without their generators: each live task's body is run
// again and fed what it was fed (see internal/replay-log.ts), so a body must keep its state in
// simulated memory or its own local variables.

/** The version of the snapshot layout; bytes of another version are refused. */
export const SNAPSHOT_FORMAT = 6;

/** Why a machine cannot be saved or restored exactly, or why bytes are no snapshot this kmodsim reads. */
export type SnapshotProblem =
  /** An interrupt handler runs or an IPI waits: snapshots are taken between them. */
  | 'not-quiet'
  /** The run has faulted: there is nothing to go on from. */
  | 'faulted'
  /** A task's body, run again, did not do what it did: it depends on something outside simulated memory and its own locals. */
  | 'replay-diverged'
  /** A task's body threw when run again. */
  | 'replay-threw'
  /** A task is alive on a machine made without `snapshots: true`, which keeps no replay logs. */
  | 'no-replay-log'
  /** Kernel state kept in host objects (HostState) comes back only by rewinding the machine it was taken from. */
  | 'host-state'
  /** Rewinding: the snapshot is of a machine of another shape (CPUs, interrupt sources, host state). */
  | 'other-machine'
  /** Encoding: a live task's body or an interrupt source's handler has no name (bodyRef, handlerRef) to find it by. */
  | 'unnamed-body'
  /** Encoding: a value (a dead task's exit value, a name's argument) is not plain data. */
  | 'unsaveable-value'
  /** Decoding: the registry has no body of a name the snapshot needs. */
  | 'unknown-body'
  /** Decoding: the bytes are not a kmodsim snapshot, are of another format, end early, or fail their checksum or layout. */
  | 'not-a-snapshot'
  | 'other-format'
  | 'truncated'
  | 'damaged';

export interface SnapshotFailure extends Failure<'EBUSY' | 'EINVAL' | 'ENOENT' | 'EBADMSG'> {
  readonly problem: SnapshotProblem;
  /** The task concerned, or 0. */
  readonly pid: number;
}

/** A failure for `problem`, with the errno each problem answers with. */
export function snapshotFailure(problem: SnapshotProblem, pid: number, message: string): SnapshotFailure {
  return fail(SNAPSHOT_ERRNO[problem], message, { problem, pid });
}

const SNAPSHOT_ERRNO = {
  'not-quiet': 'EBUSY',
  faulted: 'EINVAL',
  'replay-diverged': 'EINVAL',
  'replay-threw': 'EINVAL',
  'no-replay-log': 'EINVAL',
  'host-state': 'EINVAL',
  'other-machine': 'EINVAL',
  'unnamed-body': 'EINVAL',
  'unsaveable-value': 'EINVAL',
  'unknown-body': 'ENOENT',
  'not-a-snapshot': 'EBADMSG',
  'other-format': 'EBADMSG',
  truncated: 'EBADMSG',
  damaged: 'EBADMSG',
} as const satisfies Record<SnapshotProblem, SnapshotFailure['errno']>;

/**
 * Names a task body (or an interrupt handler) for a snapshot in bytes: `name` in the registry
 * given to decodeSnapshot, called with `args`. Kernel code that may be saved to bytes spawns its
 * tasks with one; an in-memory snapshot needs none.
 */
export interface BodyRef {
  readonly name: string;
  readonly args?: readonly BodyArg[];
}

export type BodyArg = string | number | boolean | null;

/** What decodeSnapshot builds bodies from: each name a BodyRef may give, and what makes that body from the ref's args. */
export type BodyRegistry = Readonly<Record<string, (args: readonly BodyArg[]) => TaskBody>>;

/** How a machine is rewound (Machine.rewind). */
export interface RewindOptions {
  /**
   * Whether tasks go on keeping replay logs (default true, as the machine was made). Off, steps
   * cost less (a model checker going on from a checkpoint it keeps needs none), and a snapshot
   * is refused until a rewind turns them on again.
   */
  readonly replayLogs?: boolean;
}

/** What a restored machine gets anew: these are not part of its state. */
export interface RestoreOptions {
  /** A schedule string or a scheduler object. Default: 'kms1:rr'. */
  readonly schedule?: string | Scheduler;
  /** Where trace events go from now on; no tracing when omitted. */
  readonly trace?: TraceSink;
  /** Default: the snapshotted machine's. */
  readonly maxSteps?: number;
  /** Default: the snapshotted machine's. */
  readonly recordChoices?: boolean;
}

/**
 * A machine's state, as plain data: read it as opaque. Nothing in it is shared with the machine
 * it was taken from, except what cannot change (memory objects, timers, task specs and their
 * bodies), so it may be restored any number of times.
 */
export interface MachineSnapshot {
  readonly format: typeof SNAPSHOT_FORMAT;
  readonly machine: MachineSave;
  readonly memory: MemorySave;
  readonly runQueues: RunQueueSave;
  readonly timers: TimerSave;
  readonly interrupts: InterruptSave;
  readonly faults: FaultSave;
  readonly tasks: readonly TaskSave[];
  /** What each part of the kernel's state kept outside simulated memory saved, in order (see host-state.ts). */
  readonly host: readonly HostSave[];
}

export interface MachineSave {
  readonly cpuCount: number;
  readonly profile: MachineProfile;
  readonly topology: Topology;
  readonly maxSteps: number;
  readonly record: boolean;
  readonly steps: number;
  readonly liveTasks: number;
  /** The highest pid given so far: tasks are saved by pid, and a reaped task's pid stays used (Machine.reap). */
  readonly pidCount: number;
  readonly clocks: Float64Array;
  /** Cells updated with unlocked read-modify-writes, and the CPU that owns each. */
  readonly localOwners: readonly (readonly [number, number])[];
  /** The choices made so far, as the choice log keeps them. */
  readonly choices: Int32Array;
  /** 'sc', 'tso' or 'relaxed'. */
  readonly memoryModel: 'sc' | 'tso' | 'relaxed';
  /** Under 'tso' and 'relaxed': each CPU's buffered stores, oldest first, as (cell, value) pairs; a task's state is cell -1 - pid. */
  readonly storeBuffers: readonly (readonly number[])[];
  /** Under 'relaxed' only: each CPU's views and stale copies (see internal/relaxed-views.ts). */
  readonly relaxed?: RelaxedSave;
}

/**
 * The 'relaxed' model's state. Tags (a store's writer, epoch, view and strong view) are rows of
 * `tags`: [writer, epoch, ...view, ...strong]; elsewhere a tag is its row's index, -1 for none.
 * Histories (a cell's joined strong views) are rows of `histories`, named by index the same way.
 */
export interface RelaxedSave {
  /** Per CPU. */
  readonly epoch: readonly number[];
  readonly known: readonly (readonly number[])[];
  readonly observed: readonly (readonly number[])[];
  readonly published: readonly (readonly number[])[];
  /** Per CPU: the view published at its latest full barrier. */
  readonly strongPublished: readonly (readonly number[])[];
  /** Per CPU: the histories of the cells it has written to memory or read, joined. */
  readonly coSeen: readonly (readonly number[])[];
  /** Per CPU: the strong views of the stores it has read, joined. */
  readonly strongLearned: readonly (readonly number[])[];
  /** [cell, tag]: the tag of the store each cell's value came from. */
  readonly cellTags: readonly (readonly number[])[];
  /** [cell, history]: each cell's history. */
  readonly cellHistories: readonly (readonly number[])[];
  /** Per CPU: [cell, value, tag, read (1 when its CPU has read it, else 0), history, ...superseded (one per writer)] for each stale copy. */
  readonly stale: readonly (readonly (readonly number[])[])[];
  /** Per CPU: the tag of each buffered store, oldest first. */
  readonly bufferTags: readonly (readonly number[])[];
  /** [pid, ...view]: what each task carries to the CPU it runs on next. */
  readonly carried: readonly (readonly number[])[];
  readonly tags: readonly (readonly number[])[];
  readonly histories: readonly (readonly number[])[];
}

export interface MemorySave {
  readonly values: Float64Array;
  readonly cellObject: Int32Array;
  readonly objectFreed: Uint8Array;
  readonly objects: readonly MemObject[];
  readonly nextAddress: number;
  readonly lineOwner: Int32Array;
  readonly lineReadyCycles: Float64Array;
  readonly sharerBits: Int32Array;
  readonly sharerCount: Int32Array;
  readonly coherence: Float64Array;
  readonly lastSourceClass: number;
}

export interface RunQueueSave {
  /** The pid on each CPU, 0 for none. */
  readonly current: readonly number[];
  readonly queues: readonly (readonly number[])[];
  readonly needResched: Uint8Array;
  readonly sliceSteps: Int32Array;
  /** The active and idle sets' members in their order (a random scheduler picks by position). */
  readonly active: readonly number[];
  readonly idle: readonly number[];
}

export interface TimerSave {
  readonly timers: readonly Timer[];
  readonly nextId: number;
  readonly woken: readonly number[];
  readonly wokenAtStep: number;
}

export interface InterruptSave {
  readonly sources: readonly { readonly spec: IrqSourceSpec; readonly fired: number }[];
}

export interface FaultSave {
  readonly policy: FaultPolicy;
  readonly oopses: readonly Fault[];
}

export interface TaskSave {
  readonly pid: number;
  readonly comm: string;
  readonly spec: TaskSpec;
  readonly homeCpu: number;
  readonly bound: boolean;
  readonly priority: TaskPriority;
  readonly daemon: boolean;
  readonly state: TaskStateName;
  readonly queued: boolean;
  readonly irqsOff: boolean;
  readonly preemptCount: number;
  readonly timerId: number;
  readonly resumeValue: number;
  readonly readyAtCycles: number;
  readonly cpuNow: number;
  readonly exitValue: unknown;
  readonly codeStack: readonly number[];
  readonly codeNames: readonly string[];
  /** What the task does at its next step: an operation its body yielded, do_exit, or (asleep, or never run) nothing yet. */
  readonly next: 'pending' | 'exit' | 'none';
  /** The pending operation as text, for checking a replay (functions left out); '' when none. */
  readonly pendingKey: string;
  /** What its generator was fed; undefined for a dead task. */
  readonly log: LogSave | undefined;
}

/** A task's replay log (see internal/replay-log.ts). */
export interface LogSave {
  readonly values: Float64Array;
  readonly marks: readonly number[];
  /** What the body read from memory through machine.read, in order; restReads of them at its rest point. */
  readonly reads: Float64Array;
  readonly restReads: number;
  /** Plain values the body received from other tasks through host objects (Machine.received), in order. */
  readonly received: readonly unknown[];
  readonly restReceived: number;
  readonly hash: number;
  readonly restLength: number;
  readonly restMarks: number;
  readonly restHash: number;
  readonly spawned: ContextSave;
  readonly seen: ContextSave;
  readonly restContext: ContextSave;
}

export interface ContextSave {
  readonly cpuNow: number;
  readonly state: TaskStateName;
  readonly preemptCount: number;
  readonly irqsOff: boolean;
}
