import { EXIT_TASK } from '../ops.js';
import { ok, type Result } from '../result.js';
import type { MachineSnapshot, SnapshotFailure, TaskSave } from '../snapshot.js';
import { Task } from '../task.js';
import type { MachineCore } from './core.js';
import { loadFaults } from './faults.js';
import { loadInterrupts } from './interrupts.js';
import { replayBody } from './replay.js';
import { ReplayLog } from './replay-log.js';
import { loadRunQueues } from './run-queues.js';
import { loadTimers } from './timers.js';

// Restoring a snapshot into a fresh machine's core: each part loads its own state, and each
// live task gets its generator back by running its body again (see replay.ts).

/** Loads `snapshot` into `core`, which must be a new machine's of the same shape; a failure when a task cannot be replayed. */
export function loadSnapshot(core: MachineCore, snapshot: MachineSnapshot): Result<undefined, SnapshotFailure> {
  const machine = snapshot.machine;
  core.memory.load(snapshot.memory);
  core.clocks.set(machine.clocks);
  core.steps = machine.steps;
  core.liveTasks = machine.liveTasks;
  for (const [cell, cpu] of machine.localOwners) core.localOwners.set(cell, cpu);
  core.recorded.load(machine.choices);
  for (const saved of snapshot.tasks) {
    const task = restoreTask(saved);
    if (!task.ok) return task;
    core.tasks.push(task.value);
  }
  loadRunQueues(core, snapshot.runQueues);
  loadTimers(core.timers, snapshot.timers);
  loadInterrupts(core, snapshot.interrupts);
  loadFaults(core.faults, snapshot.faults);
  return ok(undefined);
}

function restoreTask(saved: TaskSave): Result<Task, SnapshotFailure> {
  const task = new Task(saved.pid, saved.comm, saved.homeCpu, saved.bound, saved.priority, saved.daemon, saved.spec);
  if (saved.log !== undefined) {
    const replayed = replayBody(task, saved.spec, saved.log, saved);
    if (!replayed.ok) return replayed;
    task.generator = replayed.value.generator;
    task.next = saved.next === 'pending' ? replayed.value.lastOp : saved.next === 'exit' ? EXIT_TASK : undefined;
    task.log = ReplayLog.load(task, saved.log);
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
