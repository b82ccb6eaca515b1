import type { TaskSpec } from '../ops.js';
import { PRIORITY_RANK, Task, type Frame } from '../task.js';
import type { MachineCore } from './core.js';
import { raise } from './faults.js';
import { advance } from './resume.js';
import { hasWaiterAtLeast, onCpuOrQueued, place, refresh, requeue, switchOut, topFrame } from './run-queues.js';
import { traceNamed } from './tracing.js';

// A task's life: spawned onto a run queue, put to sleep by schedule() (with a timer for
// schedule_timeout()), woken by wake_up_process() or its timer, moved by set_cpus_allowed(), and
// exiting through do_exit as a step of its own.

/** Why a spec cannot be spawned on this machine, or undefined when it can. */
export function checkSpawn(core: MachineCore, spec: TaskSpec): string | undefined {
  const cpu = spec.cpu;
  if (cpu !== undefined && (!Number.isInteger(cpu) || cpu < 0 || cpu >= core.cpuCount)) {
    return `task ${spec.name} asks for CPU ${cpu}, but the machine has CPUs 0-${core.cpuCount - 1}`;
  }
  if (spec.bound === true && cpu === undefined) return `task ${spec.name} is bound but names no CPU`;
  if (spec.priority !== undefined && !(spec.priority in PRIORITY_RANK)) return `task ${spec.name} has unknown priority ${spec.priority}`;
  return undefined;
}

/** kthread_run(): a new task, queued and ready at `nowCycles`; returns its pid. */
export function createTask(core: MachineCore, spec: TaskSpec, nowCycles: number): number {
  const pid = core.tasks.length;
  const home = spec.cpu ?? (pid - 1) % core.cpuCount;
  const task = new Task(pid, spec.name, home, spec.bound ?? false, spec.priority ?? 'normal', spec.daemon ?? false, spec);
  core.tasks.push(task);
  if (!task.daemon) core.liveTasks++;
  task.cpuNow = home;
  task.readyAtCycles = nowCycles;
  if (core.snapshots) task.startLog();
  task.generator = spec.body(task);
  place(core, task, home);
  return pid;
}

/** schedule() and schedule_timeout(): sleeps unless the task is running, else lets waiting tasks run. */
export function schedule(core: MachineCore, cpu: number, frame: Frame, timeoutCycles: number): void {
  if (!(frame instanceof Task) || frame.preemptCount > 0 || frame.irqsOff) {
    const where = frame instanceof Task ? (frame.irqsOff ? 'with interrupts disabled' : `with preempt count ${frame.preemptCount}`) : 'in interrupt context';
    raise(core, 'invalid-op', `BUG: scheduling while atomic (schedule() called ${where})`, cpu, frame);
    return;
  }
  // Under 'relaxed': a wake that came before this schedule() handed the task what its waker knew
  // (__schedule() reads the state the wake wrote, under the runqueue lock).
  core.storeBuffers.views?.receive(frame.pid, cpu);
  const task = frame;
  const hit = core.cycles.hit;
  const now = (core.clocks[cpu] ?? 0) + hit;
  core.clocks[cpu] = now;
  if (task.state === 'TASK_RUNNING') {
    // Nothing to sleep for: a wake came in after set_current_state(), or the task is yielding.
    traceNamed(core, cpu, task, timeoutCycles >= 0 ? 'schedule_timeout' : 'schedule', 'state is TASK_RUNNING: no sleep', hit);
    if (hasWaiterAtLeast(core, cpu, task.rank)) {
      task.next = undefined;
      task.resumeValue = Math.max(timeoutCycles, 0);
      switchOut(core, cpu, task, 'R');
      requeue(core, task, cpu);
      return;
    }
    advance(core, cpu, task, Math.max(timeoutCycles, 0));
    return;
  }
  if (timeoutCycles >= 0) task.timerId = core.timers.queue.add(task.pid, now + timeoutCycles);
  task.next = undefined;
  task.resumeValue = 0;
  switchOut(core, cpu, task, task.state === 'TASK_UNINTERRUPTIBLE' ? 'D' : 'S');
}

/** wake_up_process(pid) from code on `cpu`: 1 when the task was asleep and now runs. */
export function wake(core: MachineCore, pid: number, cpu: number, frame: Frame, nowCycles: number): number {
  const task = core.tasks[pid];
  if (task === undefined) {
    // A reaped task's pid is still one that was given: waking it wakes nothing, as for a dead task.
    if (pid > 0 && pid < core.tasks.length) return 0;
    raise(core, 'invalid-op', `wake_up_process(${pid}): no such task`, cpu, frame);
    return 0;
  }
  return wakeTask(core, task, nowCycles, 0, cpu) ? 1 : 0;
}

/** Makes a sleeping task runnable; returns false when it was not asleep. */
export function wakeTask(core: MachineCore, task: Task, nowCycles: number, resumeValue: number, wakerCpu: number): boolean {
  if (task.state !== 'TASK_UNINTERRUPTIBLE' && task.state !== 'TASK_INTERRUPTIBLE') return false;
  task.state = 'TASK_RUNNING';
  if (task.timerId !== 0) {
    const timer = core.timers.queue.cancel(task.timerId);
    task.timerId = 0;
    task.resumeValue = timer === undefined ? resumeValue : Math.max(1, timer.expiresAtCycles - nowCycles);
  } else {
    task.resumeValue = resumeValue;
  }
  if (core.trace !== undefined) {
    traceNamed(core, wakerCpu, topFrame(core, wakerCpu), 'sched_wakeup', `comm=${task.comm} pid=${task.pid} target_cpu=${String(task.cpuNow).padStart(3, '0')}`, 0);
  }
  // Still on its CPU between set_current_state() and schedule(), or preempted there and queued:
  // either way its schedule() will now find it running and return at once.
  if (onCpuOrQueued(core, task)) return true;
  task.readyAtCycles = nowCycles;
  place(core, task, task.cpuNow);
  return true;
}

/** do_exit(): the task's last step, refused when it leaves preemption, interrupts or module code behind. */
export function exitTask(core: MachineCore, cpu: number, task: Task): void {
  task.next = undefined;
  const leak =
    task.preemptCount !== 0 ? `with preempt count ${task.preemptCount}`
    : task.irqsOff ? 'with interrupts disabled'
    : task.codeStack.length > 0 ? `inside ${task.codeName}`
    : undefined;
  if (leak !== undefined) {
    raise(core, 'invalid-op', `${task.comm}-${task.pid} exited ${leak}`, cpu, task);
    return;
  }
  task.state = 'TASK_DEAD';
  task.log = undefined;
  if (!task.daemon) core.liveTasks--;
  traceNamed(core, cpu, task, 'sched_process_exit', `comm=${task.comm} pid=${task.pid}`, 0);
  core.runQueues.current[cpu] = undefined;
  refresh(core, cpu);
}

/** set_cpus_allowed_ptr(current, target): binds the task to `target` (moving it there now), or frees it with -1. */
export function setAffinity(core: MachineCore, cpu: number, frame: Frame, target: number): void {
  if (!(frame instanceof Task) || !Number.isInteger(target) || target < -1 || target >= core.cpuCount) {
    raise(core, 'invalid-op', `set_cpus_allowed(${target}) ${frame instanceof Task ? 'names no CPU of this machine' : 'in interrupt context'}`, cpu, frame);
    return;
  }
  if (target >= 0 && target !== cpu && (frame.preemptCount > 0 || frame.irqsOff)) {
    raise(core, 'invalid-op', 'set_cpus_allowed() moving a task that has preemption or interrupts disabled', cpu, frame);
    return;
  }
  frame.bound = target >= 0;
  frame.homeCpu = target >= 0 ? target : cpu;
  const hit = core.cycles.hit;
  core.clocks[cpu] = (core.clocks[cpu] ?? 0) + hit;
  traceNamed(core, cpu, frame, 'set_cpus_allowed', target < 0 ? 'any' : `cpu=${target}`, hit);
  if (target < 0 || target === cpu) {
    advance(core, cpu, frame, 0);
    return;
  }
  // Like migration_cpu_stop: the task leaves this CPU now and resumes on the target.
  frame.next = undefined;
  frame.resumeValue = 0;
  frame.readyAtCycles = core.clocks[cpu] ?? 0;
  switchOut(core, cpu, frame, 'R+');
  requeue(core, frame, target);
}
