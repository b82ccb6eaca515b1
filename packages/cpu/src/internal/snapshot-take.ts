import type { HostSave } from '../host-state.js';
import { EXIT_TASK } from '../ops.js';
import { ok, type Result } from '../result.js';
import { SNAPSHOT_FORMAT, snapshotFailure, type MachineSnapshot, type SnapshotFailure, type TaskSave } from '../snapshot.js';
import { Task } from '../task.js';
import type { MachineCore } from './core.js';
import { saveFaults } from './faults.js';
import { saveInterrupts } from './interrupts.js';
import { opKey, replayBody } from './replay.js';
import { saveRunQueues } from './run-queues.js';
import { saveRelaxed } from './relaxed-snapshot.js';
import { saveStoreBuffers } from './store-buffers.js';
import { saveTimers } from './timers.js';

// Taking a snapshot: each part saves its own state, each live task its replay log. It is taken
// only at a quiet point, and each live task's body is run again first (see replay.ts) so that a
// task the machine could not restore exactly is refused now rather than discovered at restore.

/**
 * The machine's state, or why it cannot be taken now. A quiet point is any point between two
 * choices where no interrupt handler runs and no IPI waits (their code is not a task's, and is
 * not kept) and the run has not faulted. Tasks may be anywhere: on a CPU with an operation
 * pending, queued, asleep (with or without a timer) or dead.
 */
export function takeSnapshot(core: MachineCore): Result<MachineSnapshot, SnapshotFailure> {
  const busy = quietProblem(core);
  if (busy !== undefined) return busy;
  // Host state is saved before the bodies are run again, and put back after: a body run again
  // repeats what it did to host objects (a module core's list, a scenario's record).
  const host = saveHostParts(core);
  const tasks: TaskSave[] = [];
  let problem: SnapshotFailure | undefined;
  for (const task of core.tasks) {
    if (task === undefined) continue;
    const saved = saveTask(task);
    problem = checkReplay(core, saved);
    if (problem !== undefined) break;
    tasks.push(saved);
  }
  loadHostParts(core, host);
  if (problem !== undefined) return problem;
  return ok({
    format: SNAPSHOT_FORMAT,
    machine: {
      cpuCount: core.cpuCount,
      profile: core.profile,
      topology: core.topology,
      maxSteps: core.maxSteps,
      record: core.record,
      steps: core.steps,
      liveTasks: core.liveTasks,
      pidCount: core.tasks.length - 1,
      clocks: core.clocks.slice(),
      localOwners: [...core.localOwners],
      choices: core.recorded.save(),
      memoryModel: core.storeBuffers.model,
      storeBuffers: saveStoreBuffers(core.storeBuffers),
      ...(core.storeBuffers.views === undefined ? {} : { relaxed: saveRelaxed(core.storeBuffers.views, core.storeBuffers.tags) }),
    },
    memory: core.memory.save(),
    runQueues: saveRunQueues(core),
    timers: saveTimers(core.timers),
    interrupts: saveInterrupts(core.interrupts),
    faults: saveFaults(core.faults),
    tasks,
    host,
  });
}

/** Each host part's state now. */
export function saveHostParts(core: MachineCore): HostSave[] {
  return core.hostParts.map((part) => ({ name: part.name, saved: part.save() }));
}

/** Puts back what saveHostParts saved, part by part. */
export function loadHostParts(core: MachineCore, host: readonly HostSave[]): void {
  host.forEach((save, index) => core.hostParts[index]?.load(save.saved));
}

function quietProblem(core: MachineCore): SnapshotFailure | undefined {
  const fault = core.faults.current;
  if (fault !== undefined) {
    return snapshotFailure('faulted', fault.pid, `cannot snapshot a machine whose run has faulted (${fault.kind}: ${fault.message})`);
  }
  if (core.interrupts.work === 0) return undefined;
  const busy: string[] = [];
  for (let cpu = 0; cpu < core.cpuCount; cpu++) {
    const handlers = core.interrupts.stacks[cpu] ?? [];
    const ipis = core.interrupts.pendingIpis[cpu]?.length ?? 0;
    if (handlers.length > 0) busy.push(`CPU ${cpu} runs interrupt handler ${handlers.map((frame) => frame.source).join(' inside ')}`);
    if (ipis > 0) busy.push(`CPU ${cpu} has ${ipis} IPI${ipis === 1 ? '' : 's'} waiting`);
  }
  return snapshotFailure('not-quiet', 0, `cannot snapshot the machine now: ${busy.join('; ')}; a snapshot is taken where no interrupt handler runs and no IPI waits`);
}

function saveTask(task: Task): TaskSave {
  const next = task.next === undefined ? 'none' : task.next === EXIT_TASK ? 'exit' : 'pending';
  return {
    pid: task.pid,
    comm: task.comm,
    spec: task.spec,
    homeCpu: task.homeCpu,
    bound: task.bound,
    priority: task.priority,
    daemon: task.daemon,
    state: task.state,
    queued: task.queued,
    irqsOff: task.irqsOff,
    preemptCount: task.preemptCount,
    timerId: task.timerId,
    resumeValue: task.resumeValue,
    readyAtCycles: task.readyAtCycles,
    cpuNow: task.cpuNow,
    exitValue: task.exitValue,
    codeStack: [...task.codeStack],
    codeNames: [...task.codeNames],
    next,
    pendingKey: next === 'pending' ? opKey(task.next) : '',
    log: task.log?.save(),
  };
}

/** Runs a live task's body again into a throwaway task: a failure when it does not do what it did. */
function checkReplay(core: MachineCore, saved: TaskSave): SnapshotFailure | undefined {
  if (saved.state === 'TASK_DEAD') return undefined;
  if (saved.log === undefined) {
    return snapshotFailure('no-replay-log', saved.pid, `cannot snapshot ${saved.comm}-${saved.pid}: the machine keeps no record of what its tasks were fed (it was made without snapshots: true, or rewound with replayLogs: false): make it with createMachine({ ..., snapshots: true })`);
  }
  const self = new Task(saved.pid, saved.comm, saved.homeCpu, saved.bound, saved.priority, saved.daemon, saved.spec);
  const replayed = replayBody(core, self, saved.spec, saved.log, saved);
  return replayed.ok ? undefined : replayed;
}
