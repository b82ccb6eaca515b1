import { EXIT_TASK } from '../ops.js';
import { ok, type Result } from '../result.js';
import { snapshotFailure, type MachineSnapshot, type SnapshotFailure, type TaskSave } from '../snapshot.js';
import type { MachineCore } from './core.js';
import { loadInterrupts, rewindInterrupts } from './interrupts.js';
import { replayBody } from './replay.js';
import { ReplayLog } from './replay-log.js';
import { loadRunQueues, refreshQuiet } from './run-queues.js';
import { loadHostParts } from './snapshot-take.js';
import { loadFaults, raise } from './faults.js';
import { NO_CPU, Task } from '../task.js';
import { loadStoreBuffers } from './store-buffers.js';
import { loadTimers } from './timers.js';

// Restoring a snapshot: into a fresh machine's core (Machine.restore), or into the core of the
// machine it was taken from, in place (Machine.rewind). Each part loads its own state, each live
// task gets its generator back by running its body again (see replay.ts), and the kernel's state
// kept in host objects is put back before the bodies run again (they may read it) and again after
// (they repeat what they did to it). A host object that a live task's body made and still holds
// is not the one the snapshot saved: a snapshot is meant for points where none is in flight (no
// stop_machine call or grace period under way), and the replay check catches a body that then
// does something else.

/** Loads `snapshot` into `core`, which must be a new machine's of the same shape; a failure when a task cannot be replayed. */
export function loadSnapshot(core: MachineCore, snapshot: MachineSnapshot): Result<undefined, SnapshotFailure> {
  if (snapshot.host.length > 0) {
    const names = snapshot.host.map((part) => part.name).join(', ');
    return snapshotFailure('host-state', 0, `this snapshot holds kernel state kept in host objects (${names}) of the machine it was taken from: put it back with that machine's rewind(), not into a new machine`);
  }
  const tasks = restoreTasks(core, snapshot.tasks);
  if (!tasks.ok) return tasks;
  loadCore(core, snapshot, tasks.value);
  loadInterrupts(core, snapshot.interrupts);
  refreshQuiet(core);
  return ok(undefined);
}

/**
 * Takes `core` back to `snapshot`, which it took: memory, clocks, run queues, timers, faults,
 * tasks and host state all become the snapshot's. A snapshot of another shape is refused with the
 * machine untouched; a body that no longer replays as it did (it depends on state the machine was
 * not handed) leaves the machine faulted, its host state the snapshot's and the rest as it was.
 */
export function rewindCore(core: MachineCore, snapshot: MachineSnapshot, replayLogs: boolean): Result<undefined, SnapshotFailure> {
  const mismatch = shapeProblem(core, snapshot);
  if (mismatch !== undefined) return mismatch;
  // Bodies run again read host state as it was at the snapshot, and what they do to it is undone after.
  loadHostParts(core, snapshot.host);
  const tasks = restoreTasks(core, snapshot.tasks, replayLogs);
  if (!tasks.ok) {
    loadHostParts(core, snapshot.host);
    raise(core, 'replay-diverged', `rewinding to the snapshot failed, so the machine cannot go on: ${tasks.message}`, NO_CPU, undefined);
    return tasks;
  }
  loadCore(core, snapshot, tasks.value);
  core.snapshots = replayLogs;
  rewindInterrupts(core, snapshot.interrupts);
  refreshQuiet(core);
  core.hostParts.length = snapshot.host.length;
  loadHostParts(core, snapshot.host);
  return ok(undefined);
}

function shapeProblem(core: MachineCore, snapshot: MachineSnapshot): SnapshotFailure | undefined {
  const why = (text: string): SnapshotFailure => snapshotFailure('other-machine', 0, `cannot rewind the machine to this snapshot: ${text}; rewind a machine only to a snapshot it took`);
  if (snapshot.machine.cpuCount !== core.cpuCount) return why(`it is of ${snapshot.machine.cpuCount} CPUs, the machine has ${core.cpuCount}`);
  if (snapshot.machine.memoryModel !== core.storeBuffers.model) return why(`its memory model is ${snapshot.machine.memoryModel}, the machine's ${core.storeBuffers.model}`);
  const sources = core.interrupts.sources;
  const savedSources = snapshot.interrupts.sources;
  if (savedSources.length > sources.length || savedSources.some(({ spec }, index) => sources[index]?.name !== spec.name)) {
    return why('its interrupt sources are not the machine\'s');
  }
  const parts = core.hostParts;
  if (snapshot.host.length > parts.length || snapshot.host.some((save, index) => parts[index]?.name !== save.name)) {
    return why(`its host state (${snapshot.host.map((save) => save.name).join(', ') || 'none'}) is not the machine's (${parts.map((part) => part.name).join(', ') || 'none'})`);
  }
  return undefined;
}

function loadCore(core: MachineCore, snapshot: MachineSnapshot, tasks: readonly Task[]): void {
  const machine = snapshot.machine;
  core.memory.load(snapshot.memory);
  core.clocks.set(machine.clocks);
  core.steps = machine.steps;
  core.liveTasks = machine.liveTasks;
  core.localOwners.clear();
  for (const [cell, cpu] of machine.localOwners) core.localOwners.set(cell, cpu);
  core.recorded.load(machine.choices);
  // By pid: a reaped task leaves a hole, and its pid is never given again.
  core.tasks.length = 1;
  for (const task of tasks) core.tasks[task.pid] = task;
  core.tasks.length = machine.pidCount + 1;
  loadRunQueues(core, snapshot.runQueues);
  loadTimers(core.timers, snapshot.timers);
  loadFaults(core.faults, snapshot.faults);
  loadStoreBuffers(core.storeBuffers, machine.storeBuffers, machine.relaxed);
}

function restoreTasks(core: MachineCore, saves: readonly TaskSave[], replayLogs = true): Result<Task[], SnapshotFailure> {
  const tasks: Task[] = [];
  for (const saved of saves) {
    const task = restoreTask(core, saved, replayLogs);
    if (!task.ok) return task;
    tasks.push(task.value);
  }
  return ok(tasks);
}

function restoreTask(core: MachineCore, saved: TaskSave, replayLogs: boolean): Result<Task, SnapshotFailure> {
  const task = new Task(saved.pid, saved.comm, saved.homeCpu, saved.bound, saved.priority, saved.daemon, saved.spec);
  if (saved.log !== undefined) {
    const replayed = replayBody(core, task, saved.spec, saved.log, saved);
    if (!replayed.ok) return replayed;
    task.generator = replayed.value.generator;
    task.next = saved.next === 'pending' ? replayed.value.lastOp : saved.next === 'exit' ? EXIT_TASK : undefined;
    if (replayLogs) task.log = ReplayLog.load(task, saved.log);
  }
  task.state = saved.state;
  task.queued = saved.queued;
  task.irqsOff = saved.irqsOff;
  task.preemptCount = saved.preemptCount;
  task.timerId = saved.timerId;
  task.resumeValue = saved.resumeValue;
  task.readyAtCycles = saved.readyAtCycles;
  task.cpuNow = saved.cpuNow;
  task.exitValue = saved.exitValue;
  for (const [index, objectId] of saved.codeStack.entries()) task.pushCode(objectId, saved.codeNames[index] ?? '');
  return ok(task);
}
