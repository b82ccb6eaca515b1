import type { Choice } from './choice.js';
import type { Fault, FaultKind } from './fault.js';
import { ChoiceLog } from './internal/choice-log.js';
import { describeOperation } from './internal/describe.js';
import { IndexSet } from './internal/index-set.js';
import { TimerQueue } from './internal/timers.js';
import { Memory, type MemObject } from './memory.js';
import { EXIT_TASK, OpCode, RmwKind, type IrqDisableOp, type IrqEnableOp, type IrqRestoreOp, type IrqSaveOp, type IrqHandler, type MemoryKind, type Operation, type RmwOp, type SleepState, type TaskSpec } from './ops.js';
import type { MachineProfile, ProfileCycles } from './profiles.js';
import { formatChoiceList } from './schedule-string.js';
import { ReplayExhausted, ReplayScheduler } from './schedulers/replay.js';
import type { Scheduler, SchedulerView } from './schedulers/scheduler.js';
import { IrqFrame, NO_CPU, PRIORITY_RANK, Task, type Frame } from './task.js';
import { placeCpus, type Topology } from './topology.js';
import { MemoryTraceSink, type TraceEvent, type TraceSink } from './trace.js';

export interface IrqSourceSpec {
  readonly name: string;
  readonly handler: IrqHandler;
  /** CPUs the source may interrupt; all when omitted. */
  readonly cpus?: readonly number[];
  /** How many times it may fire in a run; unbounded when omitted. */
  readonly limit?: number;
}

export type RunResult =
  | { readonly ok: true; readonly steps: number; readonly cycles: number; readonly schedule: string }
  | { readonly ok: false; readonly fault: Fault };

export type MachineStatus = 'running' | 'finished' | 'faulted';

/** What wake_up_process() of a task would do if it ran now (for a model checker's dependencies). */
export interface WakeEffect {
  /** The run queue the task would join, or -1 when the wake only sets it running (not asleep, or still on a CPU or queue). */
  readonly runQueue: number;
  /** True when that queue was picked by looking at which CPUs are idle (the task is not bound). */
  readonly readsIdleCpus: boolean;
  /** True when the wake cancels the task's schedule_timeout() timer. */
  readonly cancelsTimer: boolean;
}

export interface TaskInfo {
  readonly pid: number;
  readonly comm: string;
  readonly state: Task['state'];
  readonly cpu: number;
  readonly onCpu: boolean;
  readonly daemon: boolean;
  readonly exitValue: unknown;
}

interface PendingIpi {
  readonly name: string;
  readonly handler: IrqHandler;
  readonly readyAtCycles: number;
}

interface IrqSource extends IrqSourceSpec {
  fired: number;
  readonly allowed: Uint8Array;
}

export interface MachineParts {
  readonly cpuCount: number;
  readonly profile: MachineProfile;
  readonly topology: Topology;
  readonly scheduler: Scheduler;
  readonly trace: TraceSink | undefined;
  readonly maxSteps: number;
  readonly record: boolean;
  readonly faultPolicy: FaultPolicy;
}

/**
 * What a fault in a task does: end the run ('stop', for checking), or, as a real kernel's oops
 * does, kill the task that faulted and let the machine go on ('oops'). A fault in an interrupt
 * handler, a deadlock or a passed step bound always ends the run.
 */
export type FaultPolicy = 'stop' | 'oops';

const TASK_FAULTS: ReadonlySet<FaultKind> = new Set(['use-after-free', 'call-into-freed-code', 'invalid-access', 'assertion', 'invalid-op', 'exception']);
const NO_PIDS: readonly number[] = [];

/**
 * The simulated SMP machine. Each call to `perform` carries out one choice: one operation on one
 * CPU, an interrupt, or a preemption. `run` lets the scheduler make every choice until all
 * non-daemon tasks have finished or something faults.
 */
export class Machine implements SchedulerView {
  readonly cpuCount: number;
  readonly profile: MachineProfile;
  readonly topology: Topology;
  readonly memory: Memory;
  private readonly cycles: ProfileCycles;
  private readonly scheduler: Scheduler;
  private readonly traceSink: TraceSink | undefined;
  private readonly maxSteps: number;
  private readonly record: boolean;
  private faultPolicy: FaultPolicy;
  private readonly oopsList: Fault[] = [];

  private readonly clocks: Float64Array;
  private readonly current: (Task | undefined)[];
  private readonly irqStacks: IrqFrame[][];
  private readonly runQueues: Task[][];
  private readonly pendingIpis: PendingIpi[][];
  private readonly needResched: Uint8Array;
  private readonly sliceSteps: Int32Array;
  private readonly active: IndexSet;
  private readonly idle: IndexSet;
  private readonly stepChoices: Choice[];
  private readonly tasks: (Task | undefined)[] = [undefined];
  private readonly irqSources: IrqSource[] = [];
  private readonly timers = new TimerQueue();
  /** The CPU that updates each cell with unlocked read-modify-writes (see checkLocalOwner). */
  private readonly localOwners = new Map<number, number>();
  /**
   * Tasks whose timers fired during choice number `timerWokenAtStep` (the explorer adds those
   * wakes to the choice's footprint). Stamped, so the step loop never has to clear it.
   */
  private readonly timerWoken: number[] = [];
  private timerWokenAtStep = 0;
  private readonly recorded = new ChoiceLog();
  private liveTasks = 0;
  /** IPIs sent and not yet handled, plus handlers running: a run does not end with any left. */
  private interruptWork = 0;
  private steps = 0;
  private currentFault: Fault | undefined;

  constructor(parts: MachineParts) {
    const cpuCount = parts.cpuCount;
    this.cpuCount = cpuCount;
    this.profile = parts.profile;
    this.topology = parts.topology;
    this.cycles = parts.profile.cycles;
    this.scheduler = parts.scheduler;
    this.traceSink = parts.trace;
    this.maxSteps = parts.maxSteps;
    this.record = parts.record;
    this.faultPolicy = parts.faultPolicy;
    this.memory = new Memory(cpuCount, placeCpus(cpuCount, parts.topology), this.cycles);
    this.clocks = new Float64Array(cpuCount);
    this.current = new Array<Task | undefined>(cpuCount).fill(undefined);
    this.irqStacks = Array.from({ length: cpuCount }, () => []);
    this.runQueues = Array.from({ length: cpuCount }, () => []);
    this.pendingIpis = Array.from({ length: cpuCount }, () => []);
    this.needResched = new Uint8Array(cpuCount);
    this.sliceSteps = new Int32Array(cpuCount);
    this.active = new IndexSet(cpuCount);
    this.idle = new IndexSet(cpuCount);
    this.stepChoices = Array.from({ length: cpuCount }, (_, cpu): Choice => ({ kind: 'step', cpu }));
    for (let cpu = 0; cpu < cpuCount; cpu++) this.idle.add(cpu);
  }

  // ---- Setting a machine up (host side: no simulated time passes) ----

  alloc(name: string, cells: number, options: { kind?: MemoryKind; lineAligned?: boolean; fields?: readonly string[] } = {}): MemObject {
    return this.memory.allocate(name, cells, options.kind ?? 'data', options.lineAligned ?? false, options.fields);
  }

  /** Every allocation not yet freed (host side, for end-of-run checks such as a leak after unload). */
  liveObjects(): MemObject[] {
    return this.memory.liveObjects();
  }

  read(address: number): number {
    return this.memory.read(address);
  }

  write(address: number, value: number): void {
    this.memory.write(address, value);
  }

  /** Starts a task; returns its pid. A spec that names a CPU the machine lacks is a programming error. */
  spawn(spec: TaskSpec): number {
    const problem = this.checkSpawn(spec);
    if (problem !== undefined) throw new RangeError(problem);
    return this.createTask(spec, 0);
  }

  addIrqSource(spec: IrqSourceSpec): number {
    const allowed = new Uint8Array(this.cpuCount);
    for (const cpu of spec.cpus ?? Array.from({ length: this.cpuCount }, (_, index) => index)) {
      if (!Number.isInteger(cpu) || cpu < 0 || cpu >= this.cpuCount) {
        throw new RangeError(`interrupt source ${spec.name} names CPU ${cpu}, but the machine has CPUs 0-${this.cpuCount - 1}`);
      }
      allowed[cpu] = 1;
    }
    this.irqSources.push({ ...spec, fired: 0, allowed });
    return this.irqSources.length - 1;
  }

  // ---- Running ----

  get status(): MachineStatus {
    if (this.currentFault !== undefined) return 'faulted';
    return this.liveTasks === 0 && this.interruptWork === 0 ? 'finished' : 'running';
  }

  get fault(): Fault | undefined {
    return this.currentFault;
  }

  /** Ordinary (not daemon) tasks that have not exited: the run is over when none is left. */
  get liveTaskCount(): number {
    return this.liveTasks;
  }

  get stepCount(): number {
    return this.steps;
  }

  /** The latest clock of any CPU: how long the run took. */
  get elapsedCycles(): number {
    let latest = 0;
    for (const cycles of this.clocks) latest = Math.max(latest, cycles);
    return latest;
  }

  clockOf(cpu: number): number {
    return this.clocks[cpu] ?? 0;
  }

  run(): RunResult {
    try {
      this.loop();
    } catch (error) {
      // Scenario code's own exceptions are caught where it runs; this is the scheduler's.
      if (error instanceof ReplayExhausted) this.diverged(error.message);
      else this.raise('exception', `scheduler failed: ${errorText(error)}`, NO_CPU, undefined);
    }
    return this.result();
  }

  private loop(): void {
    const scheduler = this.scheduler;
    const active = this.active;
    while (this.currentFault === undefined && (this.liveTasks > 0 || this.interruptWork > 0)) {
      if (this.steps >= this.maxSteps) {
        this.raise('step-limit', `no end after ${this.maxSteps} steps: a livelock, or a bound too small for this run`, NO_CPU, undefined);
        return;
      }
      if (active.size === 0) {
        this.advanceIdle();
        continue;
      }
      this.perform(scheduler.choose(this));
    }
  }

  /** A schedule_timeout() timer is armed: a `time` choice can fire it. */
  get timerPending(): boolean {
    return this.timers.size > 0;
  }

  /**
   * With no CPU able to step: lets time pass to the next timer, or, when none is pending, ends
   * the run with the fault that explains why nothing can ever run again. For callers that drive
   * the machine choice by choice.
   */
  advanceIdle(): void {
    if (!this.fireEarliestTimer()) this.reportStuck();
  }

  result(): RunResult {
    if (this.currentFault !== undefined) return { ok: false, fault: this.currentFault };
    return { ok: true, steps: this.steps, cycles: this.elapsedCycles, schedule: this.scheduler.schedule };
  }

  /** The choices made so far as a replayable schedule string. */
  choiceString(): string {
    return formatChoiceList(this.recorded.toChoices());
  }

  /** Carries out one choice. A choice that is not enabled now ends the run as a replay divergence. */
  perform(choice: Choice): void {
    if (this.currentFault !== undefined) return;
    const cpu = choice.cpu;
    if (this.record) {
      if (choice.kind === 'step') this.recorded.pushStep(cpu);
      else this.recorded.push(choice);
    }
    this.steps++;
    if (choice.kind === 'time') {
      if (!this.fireEarliestTimer()) this.diverged('time cannot pass to a timer: none is pending');
      return;
    }
    if (!this.isActive(cpu)) {
      this.diverged(`CPU ${cpu} has nothing to do`);
      return;
    }
    switch (choice.kind) {
      case 'step':
        this.stepCpu(cpu);
        break;
      case 'irq':
        this.deliverIrq(cpu, choice.source);
        break;
      case 'ipi':
        this.deliverIpi(cpu);
        break;
      case 'preempt':
        this.preemptChoice(cpu, choice.target);
        break;
    }
    if (this.timers.size > 0) this.fireDueTimers(cpu);
  }

  // ---- SchedulerView ----

  get activeCpuCount(): number {
    return this.active.size;
  }

  activeCpuAt(index: number): number {
    return this.active.at(index);
  }

  isActive(cpu: number): boolean {
    return this.active.has(cpu);
  }

  stepChoice(cpu: number): Choice {
    const choice = this.stepChoices[cpu];
    if (choice === undefined) throw new RangeError(`no CPU ${cpu}`);
    return choice;
  }

  ipiDeliverable(cpu: number): boolean {
    if (this.interruptWork === 0) return false;
    return (this.pendingIpis[cpu]?.length ?? 0) > 0 && this.irqsEnabled(cpu);
  }

  get irqSourceCount(): number {
    return this.irqSources.length;
  }

  irqDeliverable(cpu: number, source: number): boolean {
    const spec = this.irqSources[source];
    if (spec === undefined || spec.allowed[cpu] !== 1) return false;
    return spec.fired < (spec.limit ?? Infinity) && this.irqsEnabled(cpu);
  }

  preemptible(cpu: number): boolean {
    const task = this.current[cpu];
    return task !== undefined && this.irqStacks[cpu]?.length === 0 && task.preemptCount === 0 && !task.irqsOff;
  }

  migratable(cpu: number): boolean {
    const task = this.current[cpu];
    return task !== undefined && !task.bound && this.cpuCount > 1;
  }

  runQueueLength(cpu: number): number {
    return this.runQueues[cpu]?.length ?? 0;
  }

  stepsSinceSwitch(cpu: number): number {
    return this.sliceSteps[cpu] ?? 0;
  }

  enabledChoices(): Choice[] {
    const choices: Choice[] = [];
    for (let cpu = 0; cpu < this.cpuCount; cpu++) {
      if (!this.isActive(cpu)) continue;
      choices.push(this.stepChoice(cpu));
      if (this.ipiDeliverable(cpu)) choices.push({ kind: 'ipi', cpu });
      for (let source = 0; source < this.irqSources.length; source++) {
        if (this.irqDeliverable(cpu, source)) choices.push({ kind: 'irq', cpu, source });
      }
      if (!this.preemptible(cpu)) continue;
      // Preempting in place only matters when a queued task may run instead: a stopper thread
      // put back behind ordinary tasks would be dispatched again at once.
      const task = this.current[cpu];
      if (task !== undefined && this.hasWaiterAtLeast(cpu, task.rank)) choices.push({ kind: 'preempt', cpu, target: cpu });
      if (!this.migratable(cpu)) continue;
      for (let target = 0; target < this.cpuCount; target++) {
        if (target !== cpu) choices.push({ kind: 'preempt', cpu, target });
      }
    }
    return choices;
  }

  /** The operation the CPU's running frame will perform at its next step, if it has one. */
  pendingOperation(cpu: number): Operation | undefined {
    return this.topFrame(cpu)?.next;
  }

  /** The code object the CPU executes in now (-1 for the kernel's own code): every step reads it. */
  codeObjectOf(cpu: number): number {
    return this.topFrame(cpu)?.codeTop ?? -1;
  }

  /**
   * The tasks whose schedule_timeout() timers the last choice's step fired: a step that carries
   * its CPU's clock past an expiry wakes the timer's task as part of that step.
   */
  get timerWakesOfLastChoice(): readonly number[] {
    return this.timerWokenAtStep === this.steps ? this.timerWoken : NO_PIDS;
  }

  /** Who is on the CPU now: the interrupt handler's context or the task's. */
  contextOf(cpu: number): { readonly pid: number; readonly comm: string; readonly inIrq: boolean } | undefined {
    return this.topFrame(cpu);
  }

  /** What a wake of `pid` would do now, as wakeTask() decides it; undefined for no such task. */
  wakeEffect(pid: number): WakeEffect | undefined {
    const task = this.tasks[pid];
    if (task === undefined) return undefined;
    const asleep = task.state === 'TASK_UNINTERRUPTIBLE' || task.state === 'TASK_INTERRUPTIBLE';
    const cancelsTimer = asleep && task.timerId !== 0;
    if (!asleep || this.onCpuOrQueued(task)) return { runQueue: -1, readsIdleCpus: false, cancelsTimer };
    return { runQueue: this.placementCpu(task, task.cpuNow), readsIdleCpus: !task.bound, cancelsTimer };
  }

  // ---- Inspecting tasks ----

  task(pid: number): TaskInfo | undefined {
    const task = this.tasks[pid];
    return task === undefined ? undefined : this.taskInfo(task);
  }

  taskList(): TaskInfo[] {
    return this.tasks.filter((task) => task !== undefined).map((task) => this.taskInfo(task));
  }

  private taskInfo(task: Task): TaskInfo {
    return {
      pid: task.pid,
      comm: task.comm,
      state: task.state,
      cpu: task.cpuNow,
      onCpu: this.current[task.cpuNow] === task,
      daemon: task.daemon,
      exitValue: task.exitValue,
    };
  }

  // ---- The step ----

  private topFrame(cpu: number): Frame | undefined {
    const irqs = this.irqStacks[cpu];
    if (irqs !== undefined && irqs.length > 0) return irqs[irqs.length - 1];
    return this.current[cpu];
  }

  private stepCpu(cpu: number): void {
    const frame = this.topFrame(cpu);
    if (frame === undefined) {
      if (this.runQueueLength(cpu) > 0) this.dispatch(cpu);
      else this.deliverIpi(cpu);
      return;
    }
    const task = this.current[cpu];
    if (this.needResched[cpu] === 1 && task !== undefined && frame === task && this.preemptible(cpu)) {
      // A higher-priority task (a stopper thread) is waiting for this CPU and may now take it.
      this.switchOut(cpu, task, 'R+');
      this.requeue(task, cpu);
      this.dispatch(cpu);
      return;
    }
    this.sliceSteps[cpu] = (this.sliceSteps[cpu] ?? 0) + 1;
    this.execute(cpu, frame);
  }

  private execute(cpu: number, frame: Frame): void {
    const op = frame.next;
    if (op === undefined) throw new Error(`frame ${frame.comm}-${frame.pid} on CPU ${cpu} has no next operation`);
    if (frame.codeTop >= 0 && this.memory.isFreed(frame.codeTop)) {
      this.raise('call-into-freed-code', `${frame.comm}-${frame.pid} is executing ${frame.codeName}, which has been freed (returned into unloaded code)`, cpu, frame);
      return;
    }
    const before = this.clocks[cpu] ?? 0;
    let now = before;
    let result = 0;
    const cycles = this.cycles;
    switch (op.code) {
      case OpCode.Load:
        if (!this.checkAccess(cpu, frame, op.cell)) return;
        now = this.memory.access(cpu, op.cell, false, now);
        result = this.memory.read(op.cell);
        break;
      case OpCode.Store:
        if (!this.checkAccess(cpu, frame, op.cell)) return;
        now = this.memory.access(cpu, op.cell, true, now);
        this.memory.write(op.cell, op.value);
        break;
      case OpCode.Rmw:
        if (!this.checkAccess(cpu, frame, op.cell)) return;
        if (!op.locked && !this.checkLocalOwner(cpu, frame, op.cell)) return;
        now = this.memory.access(cpu, op.cell, true, now) + (op.locked ? cycles.atomicOverhead : 0);
        result = this.readModifyWrite(op);
        break;
      case OpCode.IrqDisable:
      case OpCode.IrqEnable:
      case OpCode.IrqSave:
      case OpCode.IrqRestore:
        result = this.irqOperation(cpu, frame, op);
        if (this.currentFault !== undefined) return;
        now += op.code === OpCode.IrqSave || op.code === OpCode.IrqRestore ? cycles.irqSaveRestore : cycles.irqToggle;
        break;
      case OpCode.PreemptDisable:
        frame.preemptCount++;
        now += cycles.preemptToggle;
        break;
      case OpCode.PreemptEnable:
        if (frame.preemptCount === 0) {
          this.raise('invalid-op', 'preempt_enable() without preempt_disable(): preempt count underflow', cpu, frame);
          return;
        }
        frame.preemptCount--;
        now += cycles.preemptToggle;
        break;
      case OpCode.SetState:
        if (!(frame instanceof Task)) {
          this.raise('invalid-op', 'set_current_state() in interrupt context', cpu, frame);
          return;
        }
        frame.state = op.state;
        now += cycles.hit;
        break;
      case OpCode.Schedule:
      case OpCode.ScheduleTimeout:
        this.schedule(cpu, frame, op.code === OpCode.ScheduleTimeout ? op.timeoutCycles : -1);
        return;
      case OpCode.Wake:
        result = this.wake(op.pid, cpu, frame, now);
        if (this.currentFault !== undefined) return;
        now += cycles.sameSocket;
        break;
      case OpCode.CpuRelax:
        now += cycles.cpuRelax;
        break;
      case OpCode.Work:
        now += Math.max(0, op.cycles);
        break;
      case OpCode.Alloc:
        result = this.memory.allocate(op.name, op.cells, op.kind, op.lineAligned, op.fields).base;
        now += cycles.allocFree;
        break;
      case OpCode.Free:
        if (this.memory.free(op.address) === undefined) {
          this.raise('use-after-free', `kfree(0x${op.address.toString(16)}): ${this.memory.describe(op.address)} is not a live allocation (double free?)`, cpu, frame);
          return;
        }
        now += cycles.allocFree;
        break;
      case OpCode.EnterCode:
        if (!this.enterCode(cpu, frame, op.address, op.what)) return;
        now += cycles.hit;
        break;
      case OpCode.ExitCode:
        if (frame.codeStack.length === 0) {
          this.raise('invalid-op', 'return from code that was never entered', cpu, frame);
          return;
        }
        frame.popCode();
        now += cycles.hit;
        break;
      case OpCode.SendIpi:
        if (!this.queueIpi(cpu, frame, op.cpu, op.name, op.handler, now)) return;
        now += cycles.ipiSend;
        break;
      case OpCode.Spawn: {
        const problem = this.checkSpawn(op.spec);
        if (problem !== undefined) {
          this.raise('invalid-op', problem, cpu, frame);
          return;
        }
        result = this.createTask(op.spec, now);
        now += cycles.contextSwitch;
        break;
      }
      case OpCode.Check:
        if (!op.ok) {
          this.raise('assertion', op.message, cpu, frame);
          return;
        }
        break;
      case OpCode.Note:
        break;
      case OpCode.SetAffinity:
        this.setAffinity(cpu, frame, op.cpu);
        return;
      case OpCode.Exit:
        if (frame instanceof Task) this.exitTask(cpu, frame);
        return;
      default:
        this.raise('invalid-op', `yielded ${JSON.stringify(op)}, which is not an operation`, cpu, frame);
        return;
    }
    this.clocks[cpu] = now;
    if (this.traceSink !== undefined) this.traceOperation(cpu, frame, op, result, now - before);
    this.advance(cpu, frame, result);
  }

  private checkAccess(cpu: number, frame: Frame, address: number): boolean {
    const liveness = this.memory.liveness(address);
    if (liveness === 1) return true;
    if (liveness < 0) this.raise('invalid-access', `access to address ${String(address)}, which no allocation holds`, cpu, frame);
    else this.raise('use-after-free', `access to ${this.memory.describe(address)} after it was freed`, cpu, frame);
    return false;
  }

  /**
   * An unlocked read-modify-write (local_add) is one instruction: no interrupt can split it, but
   * another CPU's update of the same cell can interleave with its read and write. The kernel's
   * rule for local_t (Documentation/core-api/local_ops.rst) is that only the owning CPU updates
   * it; the first CPU to update a cell so owns it, and an update from another CPU is reported.
   */
  private checkLocalOwner(cpu: number, frame: Frame, cell: number): boolean {
    const owner = this.localOwners.get(cell);
    if (owner === undefined) this.localOwners.set(cell, cpu);
    if (owner === undefined || owner === cpu) return true;
    this.raise('invalid-op', `local_add on ${this.memory.describe(cell)} from CPU ${cpu}, which CPU ${owner} updates: a local_t is atomic only against its own CPU's interrupts, and another CPU's update can be lost`, cpu, frame);
    return false;
  }

  private readModifyWrite(op: RmwOp): number {
    const old = this.memory.read(op.cell);
    switch (op.kind) {
      case RmwKind.Add:
        this.memory.write(op.cell, old + op.operand);
        return old + op.operand;
      case RmwKind.Xchg:
        this.memory.write(op.cell, op.operand);
        return old;
      case RmwKind.Cmpxchg:
        if (old === op.expected) this.memory.write(op.cell, op.operand);
        return old;
    }
  }

  private irqOperation(cpu: number, frame: Frame, op: IrqDisableOp | IrqEnableOp | IrqSaveOp | IrqRestoreOp): number {
    if (!(frame instanceof Task)) {
      // Handlers run with interrupts off; saving and restoring "off" is fine, enabling is not.
      if (op.code === OpCode.IrqEnable || (op.code === OpCode.IrqRestore && op.flags !== 0)) {
        this.raise('invalid-op', 'interrupt handler enabled interrupts', cpu, frame);
      }
      return 0;
    }
    const wasEnabled = frame.irqsOff ? 0 : 1;
    switch (op.code) {
      case OpCode.IrqDisable:
      case OpCode.IrqSave:
        frame.irqsOff = true;
        break;
      case OpCode.IrqEnable:
        frame.irqsOff = false;
        break;
      case OpCode.IrqRestore:
        frame.irqsOff = op.flags === 0;
        break;
    }
    return wasEnabled;
  }

  private enterCode(cpu: number, frame: Frame, address: number, what: string): boolean {
    const objectId = this.memory.objectIdAt(address);
    const object = this.memory.objectAt(address);
    if (objectId < 0 || object === undefined) {
      this.raise('invalid-access', `call to ${what} at address ${String(address)}, which no allocation holds`, cpu, frame);
      return false;
    }
    if (this.memory.isFreed(objectId)) {
      this.raise('call-into-freed-code', `call to ${what} in ${object.name}, which has been freed`, cpu, frame);
      return false;
    }
    frame.pushCode(objectId, `${what} in ${object.name}`);
    return true;
  }

  private advance(cpu: number, frame: Frame, value: number): void {
    const generator = frame.generator;
    let step: IteratorResult<Operation, unknown>;
    try {
      step = generator.next(value);
    } catch (error) {
      frame.next = undefined;
      this.raise('exception', `${frame.comm}-${frame.pid} threw: ${errorText(error)}`, cpu, frame);
      return;
    }
    if (step.done === true) {
      if (frame instanceof Task) {
        // Exiting is a step of its own (do_exit), so it interleaves with other CPUs like any other.
        frame.exitValue = step.value;
        frame.next = EXIT_TASK;
        return;
      }
      frame.next = undefined;
      if (frame instanceof IrqFrame) this.returnFromIrq(cpu, frame);
      return;
    }
    frame.next = step.value;
  }

  // ---- Tasks, sleeping and waking ----

  private setAffinity(cpu: number, frame: Frame, target: number): void {
    if (!(frame instanceof Task) || !Number.isInteger(target) || target < -1 || target >= this.cpuCount) {
      this.raise('invalid-op', `set_cpus_allowed(${target}) ${frame instanceof Task ? 'names no CPU of this machine' : 'in interrupt context'}`, cpu, frame);
      return;
    }
    if (target >= 0 && target !== cpu && (frame.preemptCount > 0 || frame.irqsOff)) {
      this.raise('invalid-op', 'set_cpus_allowed() moving a task that has preemption or interrupts disabled', cpu, frame);
      return;
    }
    frame.bound = target >= 0;
    frame.homeCpu = target >= 0 ? target : cpu;
    this.clocks[cpu] = (this.clocks[cpu] ?? 0) + this.cycles.hit;
    this.traceNamed(cpu, frame, 'set_cpus_allowed', target < 0 ? 'any' : `cpu=${target}`, this.cycles.hit);
    if (target < 0 || target === cpu) {
      this.advance(cpu, frame, 0);
      return;
    }
    // Like migration_cpu_stop: the task leaves this CPU now and resumes on the target.
    frame.next = undefined;
    frame.resumeValue = 0;
    frame.readyAtCycles = this.clocks[cpu] ?? 0;
    this.switchOut(cpu, frame, 'R+');
    this.requeue(frame, target);
  }

  private checkSpawn(spec: TaskSpec): string | undefined {
    const cpu = spec.cpu;
    if (cpu !== undefined && (!Number.isInteger(cpu) || cpu < 0 || cpu >= this.cpuCount)) {
      return `task ${spec.name} asks for CPU ${cpu}, but the machine has CPUs 0-${this.cpuCount - 1}`;
    }
    if (spec.bound === true && cpu === undefined) return `task ${spec.name} is bound but names no CPU`;
    if (spec.priority !== undefined && !(spec.priority in PRIORITY_RANK)) return `task ${spec.name} has unknown priority ${spec.priority}`;
    return undefined;
  }

  private createTask(spec: TaskSpec, nowCycles: number): number {
    const pid = this.tasks.length;
    const home = spec.cpu ?? (pid - 1) % this.cpuCount;
    const task = new Task(pid, spec.name, home, spec.bound ?? false, spec.priority ?? 'normal', spec.daemon ?? false);
    this.tasks.push(task);
    if (!task.daemon) this.liveTasks++;
    task.cpuNow = home;
    task.readyAtCycles = nowCycles;
    task.generator = spec.body(task);
    this.place(task, home);
    return pid;
  }

  private schedule(cpu: number, frame: Frame, timeoutCycles: number): void {
    if (!(frame instanceof Task) || frame.preemptCount > 0 || frame.irqsOff) {
      const where = frame instanceof Task ? (frame.irqsOff ? 'with interrupts disabled' : `with preempt count ${frame.preemptCount}`) : 'in interrupt context';
      this.raise('invalid-op', `BUG: scheduling while atomic (schedule() called ${where})`, cpu, frame);
      return;
    }
    const task = frame;
    const now = (this.clocks[cpu] ?? 0) + this.cycles.hit;
    this.clocks[cpu] = now;
    if (task.state === 'TASK_RUNNING') {
      // Nothing to sleep for: a wake came in after set_current_state(), or the task is yielding.
      this.traceNamed(cpu, task, timeoutCycles >= 0 ? 'schedule_timeout' : 'schedule', 'state is TASK_RUNNING: no sleep', this.cycles.hit);
      if (this.hasWaiterAtLeast(cpu, task.rank)) {
        task.next = undefined;
        task.resumeValue = Math.max(timeoutCycles, 0);
        this.switchOut(cpu, task, 'R');
        this.requeue(task, cpu);
        return;
      }
      this.advance(cpu, task, Math.max(timeoutCycles, 0));
      return;
    }
    if (timeoutCycles >= 0) task.timerId = this.timers.add(task.pid, now + timeoutCycles);
    task.next = undefined;
    task.resumeValue = 0;
    this.switchOut(cpu, task, task.state === 'TASK_UNINTERRUPTIBLE' ? 'D' : 'S');
  }

  private wake(pid: number, cpu: number, frame: Frame, nowCycles: number): number {
    const task = this.tasks[pid];
    if (task === undefined) {
      this.raise('invalid-op', `wake_up_process(${pid}): no such task`, cpu, frame);
      return 0;
    }
    return this.wakeTask(task, nowCycles, 0, cpu) ? 1 : 0;
  }

  /** Makes a sleeping task runnable; returns false when it was not asleep. */
  private wakeTask(task: Task, nowCycles: number, resumeValue: number, wakerCpu: number): boolean {
    if (task.state !== 'TASK_UNINTERRUPTIBLE' && task.state !== 'TASK_INTERRUPTIBLE') return false;
    task.state = 'TASK_RUNNING';
    if (task.timerId !== 0) {
      const timer = this.timers.cancel(task.timerId);
      task.timerId = 0;
      task.resumeValue = timer === undefined ? resumeValue : Math.max(1, timer.expiresAtCycles - nowCycles);
    } else {
      task.resumeValue = resumeValue;
    }
    if (this.traceSink !== undefined) {
      this.traceNamed(wakerCpu, this.topFrame(wakerCpu), 'sched_wakeup', `comm=${task.comm} pid=${task.pid} target_cpu=${String(task.cpuNow).padStart(3, '0')}`, 0);
    }
    // Still on its CPU between set_current_state() and schedule(), or preempted there and queued:
    // either way its schedule() will now find it running and return at once.
    if (this.onCpuOrQueued(task)) return true;
    task.readyAtCycles = nowCycles;
    this.place(task, task.cpuNow);
    return true;
  }

  /** Still on its CPU (between set_current_state() and schedule()) or queued: a wake only sets it running. */
  private onCpuOrQueued(task: Task): boolean {
    return this.current[task.cpuNow] === task || task.queued;
  }

  private exitTask(cpu: number, task: Task): void {
    task.next = undefined;
    const leak =
      task.preemptCount !== 0 ? `with preempt count ${task.preemptCount}`
      : task.irqsOff ? 'with interrupts disabled'
      : task.codeStack.length > 0 ? `inside ${task.codeName}`
      : undefined;
    if (leak !== undefined) {
      this.raise('invalid-op', `${task.comm}-${task.pid} exited ${leak}`, cpu, task);
      return;
    }
    task.state = 'TASK_DEAD';
    if (!task.daemon) this.liveTasks--;
    this.traceNamed(cpu, task, 'sched_process_exit', `comm=${task.comm} pid=${task.pid}`, 0);
    this.current[cpu] = undefined;
    this.refresh(cpu);
  }

  private fireDueTimers(cpu: number): void {
    for (let timer = this.timers.takeDue(this.clocks[cpu]); timer !== undefined; timer = this.timers.takeDue(this.clocks[cpu])) {
      if (this.timerWokenAtStep !== this.steps) {
        this.timerWoken.length = 0;
        this.timerWokenAtStep = this.steps;
      }
      this.timerWoken.push(timer.pid);
      this.fireTimer(timer.pid, timer.expiresAtCycles, cpu);
    }
  }

  private fireEarliestTimer(): boolean {
    const timer = this.timers.takeDue();
    if (timer === undefined) return false;
    // Nothing else can happen before the timer: the machine sits idle until it expires.
    const cpu = this.tasks[timer.pid]?.cpuNow ?? 0;
    this.clocks[cpu] = Math.max(this.clocks[cpu] ?? 0, timer.expiresAtCycles);
    this.fireTimer(timer.pid, timer.expiresAtCycles, cpu);
    return true;
  }

  private fireTimer(pid: number, expiresAtCycles: number, cpu: number): void {
    const task = this.tasks[pid];
    if (task === undefined) return;
    task.timerId = 0;
    this.wakeTask(task, expiresAtCycles, 0, cpu);
  }

  // ---- CPUs: placing, switching, dispatching ----

  /** Queues a runnable task: on its CPU if bound, else preferably an idle one (as select_idle_sibling). */
  private place(task: Task, preferredCpu: number): void {
    this.requeue(task, this.placementCpu(task, preferredCpu));
  }

  /** A bound task goes to its CPU; another to the preferred CPU, or an idle one if that is busy. */
  private placementCpu(task: Task, preferredCpu: number): number {
    if (task.bound) return task.homeCpu;
    return !this.idle.has(preferredCpu) && this.idle.size > 0 ? this.idle.at(0) : preferredCpu;
  }

  private requeue(task: Task, cpu: number): void {
    task.cpuNow = cpu;
    task.queued = true;
    this.runQueues[cpu]?.push(task);
    const running = this.current[cpu];
    if (running !== undefined && running.rank < task.rank) this.needResched[cpu] = 1;
    this.refresh(cpu);
  }

  private hasWaiterAtLeast(cpu: number, rank: number): boolean {
    return this.runQueues[cpu]?.some((task) => task.rank >= rank) ?? false;
  }

  private switchOut(cpu: number, task: Task, prevState: string): void {
    this.current[cpu] = undefined;
    this.traceNamed(cpu, task, 'sched_switch', `prev_comm=${task.comm} prev_pid=${task.pid} prev_state=${prevState}`, 0);
    this.refresh(cpu);
  }

  private dispatch(cpu: number): void {
    const queue = this.runQueues[cpu];
    if (queue === undefined || queue.length === 0) return;
    let bestIndex = 0;
    for (let index = 1; index < queue.length; index++) {
      if ((queue[index]?.rank ?? 0) > (queue[bestIndex]?.rank ?? 0)) bestIndex = index;
    }
    const [task] = queue.splice(bestIndex, 1);
    if (task === undefined) return;
    task.queued = false;
    task.cpuNow = cpu;
    this.current[cpu] = task;
    this.needResched[cpu] = this.hasWaiterAtLeast(cpu, task.rank + 1) ? 1 : 0;
    this.sliceSteps[cpu] = 0;
    this.clocks[cpu] = Math.max(this.clocks[cpu] ?? 0, task.readyAtCycles) + this.cycles.contextSwitch;
    this.traceNamed(cpu, task, 'sched_switch', `next_comm=${task.comm} next_pid=${task.pid}`, this.cycles.contextSwitch);
    this.refresh(cpu);
    if (task.next === undefined) this.advance(cpu, task, task.resumeValue);
  }

  private preemptChoice(cpu: number, target: number): void {
    const task = this.current[cpu];
    const targetOk = Number.isInteger(target) && target >= 0 && target < this.cpuCount;
    if (task === undefined || !this.preemptible(cpu) || !targetOk || (target !== cpu && task.bound)) {
      this.diverged(`CPU ${cpu} cannot be preempted to CPU ${target} now`);
      return;
    }
    this.switchOut(cpu, task, 'R+');
    task.readyAtCycles = this.clocks[cpu] ?? 0;
    this.requeue(task, target);
    if (target !== cpu) this.dispatch(cpu);
  }

  private refresh(cpu: number): void {
    const hasTask = this.current[cpu] !== undefined;
    const queued = (this.runQueues[cpu]?.length ?? 0) > 0;
    const inIrq = (this.irqStacks[cpu]?.length ?? 0) > 0;
    const ipi = (this.pendingIpis[cpu]?.length ?? 0) > 0 && this.irqsEnabled(cpu);
    if (hasTask || queued || inIrq || ipi) this.active.add(cpu);
    else this.active.delete(cpu);
    if (!hasTask && !queued && !inIrq) this.idle.add(cpu);
    else this.idle.delete(cpu);
  }

  private irqsEnabled(cpu: number): boolean {
    if ((this.irqStacks[cpu]?.length ?? 0) > 0) return false;
    const task = this.current[cpu];
    return task === undefined || !task.irqsOff;
  }

  // ---- Interrupts ----

  private deliverIrq(cpu: number, sourceIndex: number): void {
    const source = this.irqSources[sourceIndex];
    if (source === undefined || !this.irqDeliverable(cpu, sourceIndex)) {
      this.diverged(`interrupt source ${sourceIndex} cannot fire on CPU ${cpu} now`);
      return;
    }
    source.fired++;
    this.enterIrq(cpu, source.name, source.handler, 0);
  }

  private deliverIpi(cpu: number): void {
    const ipi = this.ipiDeliverable(cpu) ? this.pendingIpis[cpu]?.shift() : undefined;
    if (ipi === undefined) {
      this.diverged(`CPU ${cpu} has no IPI it can take now`);
      return;
    }
    this.interruptWork--;
    this.enterIrq(cpu, `ipi:${ipi.name}`, ipi.handler, ipi.readyAtCycles);
  }

  private enterIrq(cpu: number, name: string, handler: IrqHandler, notBeforeCycles: number): void {
    const frame = new IrqFrame(this.current[cpu], name, cpu);
    this.irqStacks[cpu]?.push(frame);
    this.interruptWork++;
    this.clocks[cpu] = Math.max(this.clocks[cpu] ?? 0, notBeforeCycles) + this.cycles.irqEntry;
    this.traceNamed(cpu, frame, 'irq_handler_entry', `name=${name}`, this.cycles.irqEntry);
    this.refresh(cpu);
    frame.generator = handler(frame);
    this.advance(cpu, frame, 0);
  }

  private returnFromIrq(cpu: number, frame: IrqFrame): void {
    this.irqStacks[cpu]?.pop();
    this.interruptWork--;
    this.traceNamed(cpu, frame, 'irq_handler_exit', `name=${frame.source}`, 0);
    if (frame.preemptCount !== 0 || frame.codeStack.length > 0) {
      const leak = frame.preemptCount !== 0 ? `with preempt count ${frame.preemptCount}` : `inside ${frame.codeName}`;
      this.raise('invalid-op', `interrupt handler ${frame.source} returned ${leak}`, cpu, frame);
      return;
    }
    this.refresh(cpu);
  }

  private queueIpi(cpu: number, frame: Frame, target: number, name: string, handler: IrqHandler, nowCycles: number): boolean {
    const queue = this.pendingIpis[target];
    if (!Number.isInteger(target) || queue === undefined) {
      this.raise('invalid-op', `IPI ${name} to CPU ${target}, which does not exist`, cpu, frame);
      return false;
    }
    queue.push({ name, handler, readyAtCycles: nowCycles + this.cycles.ipiLatency });
    this.interruptWork++;
    this.refresh(target);
    return true;
  }

  // ---- Faults and tracing ----

  /** Ends the run with a fault found outside the machine (a scenario's failed final check). */
  reportFault(kind: FaultKind, message: string): void {
    this.raise(kind, message, NO_CPU, undefined);
  }

  private reportStuck(): void {
    const asleep = this.tasks.filter((task): task is Task => task !== undefined && !task.daemon && task.state !== 'TASK_DEAD');
    const first = asleep[0];
    if (first === undefined) throw new Error('machine stopped with live tasks but none asleep');
    if (asleep.length === 1) {
      this.raise('sleeps-forever', `${first.comm}-${first.pid} sleeps in ${first.state} and nothing left can wake it (a lost wakeup?)`, first.cpuNow, first);
      return;
    }
    const names = asleep.map((task) => `${task.comm}-${task.pid} (${task.state})`).join(', ');
    this.raise('deadlock', `no task can run: ${names} are all asleep`, NO_CPU, undefined);
  }

  /**
   * After the last run of a replayed schedule: choices the run never made mean it is not the run
   * recorded (it ended sooner), so the schedule does not fit. Without a replayed schedule, nothing.
   */
  checkScheduleUsed(): void {
    const left = this.scheduler instanceof ReplayScheduler ? this.scheduler.remaining : 0;
    if (left > 0 && this.currentFault === undefined) this.diverged(`the run ended with ${left} of the schedule's choices not made`);
  }

  private diverged(why: string): void {
    this.raise('replay-diverged', `the schedule does not fit this run at step ${this.steps}: ${why}`, NO_CPU, undefined);
  }

  /**
   * Changes what a task's fault does from now on. A model checker sets a scenario up under 'stop'
   * (a fault there is the scenario's own bug) and searches under 'oops', so that after the first
   * fault it can still see what the other CPUs would have done next.
   */
  setFaultPolicy(policy: FaultPolicy): void {
    this.faultPolicy = policy;
  }

  /** Faults that killed a task while the machine went on (fault policy 'oops'), oldest first. */
  get oopses(): readonly Fault[] {
    return this.oopsList;
  }

  private raise(kind: FaultKind, message: string, cpu: number, frame: Frame | undefined): void {
    if (this.currentFault !== undefined) return;
    const fault = this.faultOf(kind, message, cpu, frame);
    if (this.faultPolicy === 'oops' && frame instanceof Task && TASK_FAULTS.has(kind) && this.current[cpu] === frame) {
      this.oopsList.push(fault);
      this.traceNamed(cpu, frame, 'oops', `${kind}: ${message}`, 0);
      this.killTask(cpu, frame);
      return;
    }
    this.currentFault = fault;
    this.traceNamed(cpu < 0 ? 0 : cpu, frame, 'fault', `${kind}: ${message}`, 0);
  }

  /** do_exit after an oops: the task dies where it stood; what it held stays held. */
  private killTask(cpu: number, task: Task): void {
    task.next = undefined;
    task.state = 'TASK_DEAD';
    task.preemptCount = 0;
    task.irqsOff = false;
    while (task.codeStack.length > 0) task.popCode();
    if (!task.daemon) this.liveTasks--;
    this.current[cpu] = undefined;
    this.refresh(cpu);
  }

  private faultOf(kind: FaultKind, message: string, cpu: number, frame: Frame | undefined): Fault {
    return {
      kind,
      message,
      cpu,
      pid: frame?.pid ?? 0,
      comm: frame?.comm ?? '',
      step: this.steps,
      cycles: cpu >= 0 ? this.clocks[cpu] ?? 0 : this.elapsedCycles,
      schedule: this.scheduler.schedule,
      choices: this.choiceString(),
      trace: this.traceSink instanceof MemoryTraceSink ? this.traceSink.events : [],
    };
  }

  private flags(cpu: number, frame: Frame | undefined): string {
    const irqsOff = !this.irqsEnabled(cpu) ? 'd' : '.';
    const resched = this.needResched[cpu] === 1 ? 'N' : '.';
    const hardirq = frame?.inIrq === true ? 'h' : '.';
    const depth = frame === undefined || frame.preemptCount === 0 ? '.' : Math.min(frame.preemptCount, 15).toString(16);
    return `${irqsOff}${resched}${hardirq}${depth}`;
  }

  private traceOperation(cpu: number, frame: Frame, op: Operation, result: number, durationCycles: number): void {
    const { name, detail } = describeOperation(op, result, this.memory);
    this.emit(cpu, frame, name, detail, durationCycles);
  }

  private traceNamed(cpu: number, frame: Frame | undefined, name: string, detail: string, durationCycles: number): void {
    if (this.traceSink !== undefined) this.emit(cpu, frame, name, detail, durationCycles);
  }

  private emit(cpu: number, frame: Frame | undefined, name: string, detail: string, durationCycles: number): void {
    const event: TraceEvent = {
      step: this.steps,
      cycles: this.clocks[cpu] ?? 0,
      durationCycles,
      cpu,
      pid: frame?.pid ?? 0,
      comm: frame?.comm ?? '<idle>',
      flags: this.flags(cpu, frame),
      name,
      detail,
    };
    this.traceSink?.event(event);
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export type { SleepState };
