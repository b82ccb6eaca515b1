import type { Choice } from './choice.js';
import type { Fault, FaultKind } from './fault.js';
import { MachineCore, type MachineParts } from './internal/core.js';
import { choiceString, diverged, nothingToDo, raise, reportStuck, type FaultPolicy } from './internal/faults.js';
import { stepCpu } from './internal/interpreter.js';
import { errorText } from './internal/resume.js';
import { addIrqSource, type IrqSourceSpec } from './internal/interrupts.js';
import { MachineView } from './internal/machine-view.js';
import { checkSpawn, createTask } from './internal/sleep-wake.js';
import { loadSnapshot, rewindCore } from './internal/snapshot-restore.js';
import { takeSnapshot } from './internal/snapshot-take.js';
import { stateFingerprint } from './internal/state-hash.js';
import { performOther } from './internal/other-choices.js';
import { loadThroughBuffer } from './internal/store-buffers.js';
import { fireDueTimers, fireEarliestTimer } from './internal/timers.js';
import type { HostState } from './host-state.js';
import type { MemObject, Memory } from './memory.js';
import type { MemoryKind, SleepState, TaskSpec } from './ops.js';
import type { MachineProfile } from './profiles.js';
import { checkMaxSteps, resolveScheduler } from './create-machine.js';
import { ok, type ConfigError, type Result } from './result.js';
import { ReplayExhausted, ReplayScheduler } from './schedulers/replay.js';
import type { BodyRegistry, MachineSnapshot, RestoreOptions, RewindOptions, SnapshotFailure } from './snapshot.js';
import { decodeWithHost, encodeWithHost } from './internal/snapshot-bytes.js';
import { NO_CPU, type Task } from './task.js';
import type { Topology } from './topology.js';

export type { FaultPolicy } from './internal/faults.js';
export type { IrqSourceSpec } from './internal/interrupts.js';
export type { WakeEffect } from './internal/machine-view.js';
export type { MachineParts } from './internal/core.js';

export type RunResult =
  | { readonly ok: true; readonly steps: number; readonly cycles: number; readonly schedule: string }
  | { readonly ok: false; readonly fault: Fault };

export type MachineStatus = 'running' | 'finished' | 'faulted';

export interface TaskInfo {
  readonly pid: number;
  readonly comm: string;
  readonly state: Task['state'];
  readonly cpu: number;
  readonly onCpu: boolean;
  readonly daemon: boolean;
  readonly exitValue: unknown;
}

/**
 * The simulated SMP machine. Each call to `perform` carries out one choice: one operation on one
 * CPU, an interrupt, or a preemption. `run` lets the scheduler make every choice until all
 * non-daemon tasks have finished or something faults.
 *
 * Its state is split by part, each in its own file under internal/: run queues, sleeping and
 * waking, timers, interrupts, faults, tracing and the operation interpreter; what a scheduler
 * may look at is MachineView, which this class extends.
 */
export class Machine extends MachineView {
  readonly profile: MachineProfile;
  readonly topology: Topology;
  readonly memory: Memory;

  constructor(parts: MachineParts) {
    super(new MachineCore(parts));
    this.profile = parts.profile;
    this.topology = parts.topology;
    this.memory = this.core.memory;
  }

  // ---- Setting a machine up (host side: no simulated time passes) ----

  alloc(name: string, cells: number, options: { kind?: MemoryKind; lineAligned?: boolean; fields?: readonly string[] } = {}): MemObject {
    return this.memory.allocate(name, cells, options.kind ?? 'data', options.lineAligned ?? false, options.fields);
  }

  /** Every allocation not yet freed (host side, for end-of-run checks such as a leak after unload). */
  liveObjects(): MemObject[] {
    return this.memory.liveObjects();
  }

  /**
   * A cell's value, read by host code without cost. Read from inside a task's body, the value is
   * logged with the task, so that the body run again (a snapshot's restore) reads it again.
   */
  read(address: number): number {
    const core = this.core;
    if (core.replaying !== undefined) return core.replaying.nextRead();
    // Kernel code reading memory from the host sees what a load of its CPU would: its own buffered stores first.
    const value = core.bodyCpu >= 0 ? loadThroughBuffer(core, core.bodyCpu, address) : this.memory.read(address);
    core.readLog?.read(value);
    return value;
  }

  /**
   * A plain value a task's body receives from another task through host objects (a stop_machine
   * callback's result, say), returned as it is. Logged with the receiving task, so that its body
   * run again (a snapshot's restore) receives it again, though the task that gave it is not run.
   */
  received<T>(value: T): T {
    const core = this.core;
    if (core.replaying !== undefined) return core.replaying.nextReceived() as T;
    core.readLog?.receive(value);
    return value;
  }

  write(address: number, value: number): void {
    this.memory.write(address, value);
  }

  /** Starts a task; returns its pid. A spec that names a CPU the machine lacks is a programming error. */
  spawn(spec: TaskSpec): number {
    const problem = checkSpawn(this.core, spec);
    if (problem !== undefined) throw new RangeError(problem);
    const pid = createTask(this.core, spec, 0);
    // Under 'relaxed' a task the host starts sees what every CPU has published: it starts after all of it.
    this.core.storeBuffers.views?.carryFromAll(pid);
    return pid;
  }

  addIrqSource(spec: IrqSourceSpec): number {
    return addIrqSource(this.core, spec);
  }

  /**
   * Hands the machine a part of the kernel's state that its code keeps in host objects rather
   * than simulated memory, so that snapshots save it and rewind() puts it back (see host-state.ts).
   */
  keepHostState<S>(part: HostState<S>): void {
    this.core.hostParts.push(part);
  }

  // ---- Running ----

  get status(): MachineStatus {
    const core = this.core;
    if (core.faults.current !== undefined) return 'faulted';
    return core.liveTasks === 0 && core.interrupts.work === 0 ? 'finished' : 'running';
  }

  get fault(): Fault | undefined {
    return this.core.faults.current;
  }

  /** Ordinary (not daemon) tasks that have not exited: the run is over when none is left. */
  get liveTaskCount(): number {
    return this.core.liveTasks;
  }

  get stepCount(): number {
    return this.core.steps;
  }

  /** The latest clock of any CPU: how long the run took. */
  get elapsedCycles(): number {
    return this.core.elapsedCycles;
  }

  clockOf(cpu: number): number {
    return this.core.clocks[cpu] ?? 0;
  }

  run(): RunResult {
    try {
      this.loop();
    } catch (error) {
      // Scenario code's own exceptions are caught where it runs; this is the scheduler's.
      if (error instanceof ReplayExhausted) diverged(this.core, error.message);
      else raise(this.core, 'exception', `scheduler failed: ${errorText(error)}`, NO_CPU, undefined);
    }
    return this.result();
  }

  private loop(): void {
    const core = this.core;
    const scheduler = core.scheduler;
    const active = core.runQueues.active;
    const faults = core.faults;
    const interrupts = core.interrupts;
    while (faults.current === undefined && (core.liveTasks > 0 || interrupts.work > 0)) {
      if (core.steps >= core.maxSteps) {
        raise(core, 'step-limit', `no end after ${core.maxSteps} steps: a livelock, or a bound too small for this run`, NO_CPU, undefined);
        return;
      }
      if (active.size === 0) {
        this.advanceIdle();
        continue;
      }
      this.perform(scheduler.choose(this));
    }
  }

  /**
   * With no CPU able to step: lets time pass to the next timer, or, when none is pending, ends
   * the run with the fault that explains why nothing can ever run again. For callers that drive
   * the machine choice by choice.
   */
  advanceIdle(): void {
    if (!fireEarliestTimer(this.core)) reportStuck(this.core);
  }

  result(): RunResult {
    const core = this.core;
    if (core.faults.current !== undefined) return { ok: false, fault: core.faults.current };
    return { ok: true, steps: core.steps, cycles: core.elapsedCycles, schedule: core.scheduler.schedule };
  }

  /** The choices made so far as a replayable schedule string. */
  choiceString(): string {
    return choiceString(this.core);
  }

  /** Carries out one choice. A choice that is not enabled now ends the run as a replay divergence. */
  perform(choice: Choice): void {
    const core = this.core;
    if (core.faults.current !== undefined) return;
    if (choice.kind !== 'step') {
      performOther(core, choice);
      return;
    }
    // The step loop's path, kept short so that it inlines.
    const cpu = choice.cpu;
    if (core.record) core.recorded.pushStep(cpu);
    core.steps++;
    if (!this.isActive(cpu)) {
      nothingToDo(core, cpu);
      return;
    }
    stepCpu(core, cpu);
    if (core.timers.queue.size > 0) fireDueTimers(core, cpu);
  }

  // ---- Inspecting tasks ----

  task(pid: number): TaskInfo | undefined {
    const task = this.core.tasks[pid];
    return task === undefined ? undefined : this.taskInfo(task);
  }

  /**
   * Forgets a dead task, as release_task() does: task(), taskList() and snapshots no longer hold
   * it, its pid is never given again, and waking it wakes nothing, as for a dead task. A machine
   * that lives through many commands reaps what they leave, so what it keeps does not grow with
   * its history. False for a task that is not dead.
   */
  reap(pid: number): boolean {
    const task = this.core.tasks[pid];
    if (task?.state !== 'TASK_DEAD') return false;
    this.core.tasks[pid] = undefined;
    return true;
  }

  taskList(): TaskInfo[] {
    return this.core.tasks.filter((task) => task !== undefined).map((task) => this.taskInfo(task));
  }

  private taskInfo(task: Task): TaskInfo {
    return {
      pid: task.pid,
      comm: task.comm,
      state: task.state,
      cpu: task.cpuNow,
      onCpu: this.core.runQueues.current[task.cpuNow] === task,
      daemon: task.daemon,
      exitValue: task.exitValue,
    };
  }

  // ---- Faults ----

  /** Ends the run with a fault found outside the machine (a scenario's failed final check). */
  reportFault(kind: FaultKind, message: string): void {
    raise(this.core, kind, message, NO_CPU, undefined);
  }

  /** After a replayed schedule's last run: choices it never made mean the schedule does not fit. */
  checkScheduleUsed(): void {
    const scheduler = this.core.scheduler;
    const left = scheduler instanceof ReplayScheduler ? scheduler.remaining : 0;
    if (left > 0 && this.core.faults.current === undefined) diverged(this.core, `the run ended with ${left} of the schedule's choices not made`);
  }

  /**
   * Changes what a task's fault does from now on. A model checker sets up under 'stop' and
   * searches under 'oops', to see what the other CPUs would do after the first fault.
   */
  setFaultPolicy(policy: FaultPolicy): void {
    this.core.faults.policy = policy;
  }

  /** Faults that killed a task while the machine went on (fault policy 'oops'), oldest first. */
  get oopses(): readonly Fault[] {
    return this.core.faults.oopses;
  }

  // ---- Snapshots ----

  /**
   * The machine's state as a value that Machine.restore() builds an identical machine from, or
   * why it cannot be taken now: a snapshot is taken where no interrupt handler runs and no IPI
   * waits, of a run that has not faulted, and each live task's body is run again to check that
   * it can be restored exactly (see snapshot.ts and the README's "Snapshots").
   */
  snapshot(): Result<MachineSnapshot, SnapshotFailure> {
    return takeSnapshot(this.core);
  }

  /**
   * A number that two machines booted alike share when they will go on alike under the same
   * choices (a 53-bit hash of what a snapshot keeps: see internal/state-hash.ts), for a search
   * that stops where an earlier run already was. With `clocks: false` the clocks and what only
   * moves them (cache lines, when tasks are ready) are left out: code sees time only through
   * schedule_timeout() timers, so that is exact while no timer is armed. Undefined where there is none: an interrupt
   * handler runs, an IPI waits, the run faulted, or tasks keep no replay logs (rewind with
   * `replayLogs: true`, or create the machine with `snapshots: true`).
   */
  stateFingerprint(options: { readonly clocks: boolean } = { clocks: true }): number | undefined {
    return stateFingerprint(this.core, options.clocks);
  }

  /** schedule_timeout() timers armed since boot (a rewind takes the count back too). */
  get timersArmed(): number {
    return this.core.timers.queue.armed;
  }

  /**
   * Takes this machine back to a snapshot it took (memory, clocks, run queues, timers, faults,
   * tasks, host state), in place: whatever holds the machine goes on holding it, as a model
   * checker's checkpoint needs. Its scheduler and trace sink are kept. With `replayLogs: false`
   * tasks keep no replay logs from then on (cheaper steps; no snapshot until a rewind turns them
   * on). Another shape's snapshot is refused, the machine untouched; a body that no longer
   * replays as it ran leaves the machine faulted.
   */
  rewind(snapshot: MachineSnapshot, options: RewindOptions = {}): Result<undefined, SnapshotFailure> {
    return rewindCore(this.core, snapshot, options.replayLogs ?? true);
  }

  /**
   * A snapshot of this machine as bytes, its host state included: each part handed over with
   * keepHostState writes its own state as plain data (HostState.encode); a part that cannot, a
   * live task without a bodyRef or a handler without a handlerRef is the failure.
   */
  snapshotBytes(): Result<Uint8Array, SnapshotFailure> {
    const taken = takeSnapshot(this.core);
    return taken.ok ? encodeWithHost(taken.value, this.core.hostParts) : taken;
  }

  /**
   * Takes this machine to the state snapshotBytes() saved on a machine booted the same way (the
   * same CPUs, interrupt sources and host state parts, in the same order), in this process or
   * another: each part reads its state back into its own objects (HostState.decode), and bodies
   * come from `bodies` and the names this machine's kernel gave its own (nameBodies). Then as
   * rewind(): damaged bytes or another machine's leave this one untouched.
   */
  rewindFromBytes(bytes: Uint8Array, bodies: BodyRegistry = {}): Result<undefined, SnapshotFailure> {
    const decoded = decodeWithHost(bytes, { ...this.core.bodies, ...bodies }, this.core.hostParts);
    return decoded.ok ? rewindCore(this.core, decoded.value, true) : decoded;
  }

  /**
   * Names bodies this machine's kernel spawns its long-lived tasks with (TaskSpec.bodyRef) and
   * handlers it registers (handlerRef), so that rewindFromBytes finds them without the caller
   * knowing each part's internals.
   */
  nameBodies(bodies: BodyRegistry): void {
    Object.assign(this.core.bodies, bodies);
  }

  /**
   * A machine in the state `snapshot` holds, which goes on as the machine it was taken from
   * would under the same choices. Its scheduler, trace sink and step bound are new (`options`);
   * a task whose body does not replay as it ran is a SnapshotFailure.
   */
  static restore(snapshot: MachineSnapshot, options: RestoreOptions = {}): Result<Machine, SnapshotFailure | ConfigError> {
    const scheduler = resolveScheduler(options.schedule);
    if (!scheduler.ok) return scheduler;
    const maxSteps = checkMaxSteps(options.maxSteps ?? snapshot.machine.maxSteps);
    if (!maxSteps.ok) return maxSteps;
    const { cpuCount, profile, topology } = snapshot.machine;
    const machine = new Machine({
      cpuCount,
      profile,
      topology,
      scheduler: scheduler.value,
      trace: options.trace,
      maxSteps: maxSteps.value,
      record: options.recordChoices ?? snapshot.machine.record,
      faultPolicy: snapshot.faults.policy,
      snapshots: true,
      memoryModel: snapshot.machine.memoryModel,
    });
    const loaded = loadSnapshot(machine.core, snapshot);
    return loaded.ok ? ok(machine) : loaded;
  }
}

export type { SleepState };
