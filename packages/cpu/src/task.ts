import { ReplayLog } from './internal/replay-log.js';
import type { ExecutionContext, KernelCode, Operation, TaskPriority, TaskSpec, TaskStateName } from './ops.js';

export const NO_CPU = -1;

/** Scheduling classes in the order the scheduler prefers them. */
export const PRIORITY_RANK: Readonly<Record<TaskPriority, number>> = { normal: 0, fifo: 1, stop: 2 };

/**
 * One flow of control on a CPU: a task, or an interrupt handler running on top of one. Each holds
 * its generator, the operation it will perform next, and the stack of code objects it is inside.
 */
export abstract class Frame implements ExecutionContext {
  next: Operation | undefined;
  /** Ids of the code objects entered and not yet left; the last is where this frame executes. */
  readonly codeStack: number[] = [];
  /** What each entered code object is, for messages. */
  readonly codeNames: string[] = [];
  /** The code object this frame executes in now, or -1 for the kernel's own code. */
  codeTop = -1;
  preemptCount = 0;
  /** Set right after construction: the body needs the frame as its `self`. */
  generator!: KernelCode;
  /** What a live task's generator has been fed, for rebuilding it (see replay-log.ts); none for a handler or a dead task. */
  log: ReplayLog | undefined = undefined;

  protected constructor(public cpuNow: number) {}

  pushCode(objectId: number, name: string): void {
    this.codeStack.push(objectId);
    this.codeNames.push(name);
    this.codeTop = objectId;
  }

  popCode(): void {
    this.codeStack.pop();
    this.codeNames.pop();
    this.codeTop = this.codeStack[this.codeStack.length - 1] ?? -1;
  }

  /** What the innermost entered code is, for messages. */
  get codeName(): string {
    return this.codeNames[this.codeNames.length - 1] ?? 'kernel code';
  }

  abstract readonly pid: number;
  abstract readonly comm: string;
  abstract readonly inIrq: boolean;
  abstract get irqsDisabled(): boolean;
  abstract get taskState(): TaskStateName;

  get cpu(): number {
    return this.cpuNow;
  }
}

export class Task extends Frame {
  state: TaskStateName = 'TASK_RUNNING';
  /** True while on a CPU's run queue waiting for that CPU. */
  queued = false;
  /** This task's interrupt state: the CPU's while the task runs, kept across switches. */
  irqsOff = false;
  /** The pending schedule_timeout() timer, 0 when none. */
  timerId = 0;
  /** What the task's pending schedule() resumes with when it runs again. */
  resumeValue = 0;
  /** The task may not run before this cycle count (when it was woken or queued). */
  readyAtCycles = 0;
  exitValue: unknown = undefined;
  readonly rank: number;

  constructor(
    readonly pid: number,
    readonly comm: string,
    public homeCpu: number,
    public bound: boolean,
    readonly priority: TaskPriority,
    readonly daemon: boolean,
    /** What it was spawned from: a snapshot runs its body again. */
    readonly spec: TaskSpec,
  ) {
    super(NO_CPU);
    this.rank = PRIORITY_RANK[priority];
  }

  /** Starts logging what the generator is fed, from the context its body first sees. */
  startLog(): void {
    this.log = new ReplayLog(this);
  }

  get inIrq(): boolean {
    return false;
  }

  get taskState(): TaskStateName {
    return this.state;
  }

  get irqsDisabled(): boolean {
    return this.irqsOff;
  }
}

export class IrqFrame extends Frame {
  constructor(
    readonly interrupted: Task | undefined,
    readonly source: string,
    cpu: number,
  ) {
    super(cpu);
  }

  get pid(): number {
    return this.interrupted?.pid ?? 0;
  }

  get comm(): string {
    return this.interrupted?.comm ?? '<idle>';
  }

  get inIrq(): boolean {
    return true;
  }

  get taskState(): TaskStateName {
    return 'TASK_RUNNING';
  }

  get irqsDisabled(): boolean {
    return true;
  }
}
