import { OpCode, type FenceOp, type LoadAcquireOp, type LoadOp, type Operation, type StoreOp, type StoreReleaseOp, type TaskSpec } from '../ops.js';
import { Task, type Frame } from '../task.js';
import { advance } from './resume.js';
import type { MachineCore } from './core.js';
import { raise } from './faults.js';
import { deliverIpi, ipiCarrier, queueIpi } from './interrupts.js';
import { dispatch, preemptible, requeue, switchOut, topFrame } from './run-queues.js';
import { checkSpawn, createTask, exitTask, schedule, setAffinity, wake } from './sleep-wake.js';
import { readModifyWrite } from './read-modify-write.js';
import { enterCode, exitCode, irqOperation } from './frame-ops.js';
import { bufferTaskState, bufferStore, buffersCell, drain, drainStores, drainsBuffer, loadOnCpu } from './store-buffers.js';
import { traceOperation } from './tracing.js';

// The operation interpreter: one `step` choice on a CPU performs the operation its running frame
// yielded, charges its cycles, and resumes the frame's generator with the result. This is the
// step loop's hot path: loads and stores take `loadOrStore`, read-modify-writes and other common
// operations `executeOther`, everything rarer `executeKernelOp`.

/** A `step` choice on `cpu`: dispatch a queued task, take an IPI, switch to a waiting stopper, or perform an operation. */
export function stepCpu(core: MachineCore, cpu: number): void {
  const runQueues = core.runQueues;
  const task = runQueues.current[cpu];
  // Most steps: nothing but the task can run here, and nothing waits to take the CPU from it.
  if (runQueues.quiet[cpu] === 1 && task !== undefined) {
    runQueues.sliceSteps[cpu] = (runQueues.sliceSteps[cpu] ?? 0) + 1;
    execute(core, cpu, task);
    return;
  }
  stepBusy(core, cpu);
}

/** A step on a CPU that is not quiet: a handler or an IPI, a task switch, or a task a waiter may preempt. */
function stepBusy(core: MachineCore, cpu: number): void {
  const frame = topFrame(core, cpu);
  const runQueues = core.runQueues;
  if (frame === undefined) {
    stepIdle(core, cpu);
    return;
  }
  if (runQueues.needResched[cpu] === 1 && reschedule(core, cpu, frame)) return;
  runQueues.sliceSteps[cpu] = (runQueues.sliceSteps[cpu] ?? 0) + 1;
  execute(core, cpu, frame);
}

/** A step on a CPU that runs nothing: it switches to a queued task, or takes an IPI. Kept apart, so that stepCpu inlines. */
function stepIdle(core: MachineCore, cpu: number): void {
  if ((core.runQueues.queues[cpu]?.length ?? 0) > 0) dispatch(core, cpu);
  else deliverIpi(core, cpu);
}

/**
 * Under 'relaxed': whether the CPU's next step is a load of a cell it holds a stale copy of (and
 * no buffered store of: its own store forwards), so that a `stale` choice can read the copy. A
 * copy of the value memory holds again is no choice worth making: the load reads the same value
 * either way (only what it learns from the store it reads could differ).
 */
export function staleReadable(core: MachineCore, cpu: number): boolean {
  const views = core.storeBuffers.views;
  const frame = topFrame(core, cpu);
  const op = frame?.next;
  if (views === undefined || frame === undefined || op === undefined || (op.code !== OpCode.Load && op.code !== OpCode.LoadAcquire)) return false;
  // A stopper thread waiting for this CPU takes it at this step instead (see reschedule).
  if (core.runQueues.needResched[cpu] === 1 && frame === core.runQueues.current[cpu] && preemptible(core, cpu)) return false;
  const older = views.staleValue(cpu, op.cell);
  return older !== undefined && older !== core.memory.read(op.cell) && !buffersCell(core, cpu, op.cell);
}

/** A higher-priority task (a stopper thread) waits for this CPU: it takes it now if the running task may be preempted. */
function reschedule(core: MachineCore, cpu: number, frame: Frame): boolean {
  const task = core.runQueues.current[cpu];
  if (task === undefined || frame !== task || !preemptible(core, cpu)) return false;
  switchOut(core, cpu, task, 'R+');
  requeue(core, task, cpu);
  dispatch(core, cpu);
  return true;
}

function execute(core: MachineCore, cpu: number, frame: Frame): void {
  const op = frame.next;
  if (op === undefined) throw noNextOperation(cpu, frame);
  if (frame.codeTop >= 0 && core.memory.isFreed(frame.codeTop)) {
    codeFreed(core, cpu, frame);
    return;
  }
  // Loads and stores, most steps of any run, take one path with one call of the access check and
  // of the cost model: V8 inlines each call site on its own, and two sites of each overran the
  // step loop's inlining budget.
  if (op.code === OpCode.Load || op.code === OpCode.Store) loadOrStore(core, cpu, frame, op);
  else executeOther(core, cpu, frame, op);
}

// The messages of execute's broken invariant and fault, kept out of it: their text would take
// the step loop's inlining budget.

function noNextOperation(cpu: number, frame: Frame): Error {
  return new Error(`frame ${frame.comm}-${frame.pid} on CPU ${cpu} has no next operation`);
}

function codeFreed(core: MachineCore, cpu: number, frame: Frame): void {
  raise(core, 'call-into-freed-code', `${frame.comm}-${frame.pid} is executing ${frame.codeName}, which has been freed (returned into unloaded code)`, cpu, frame);
}

/** A plain load or store (neither drains a store buffer under 'tso'). */
function loadOrStore(core: MachineCore, cpu: number, frame: Frame, op: LoadOp | StoreOp): void {
  const cell = op.cell;
  if (!checkAccess(core, cpu, frame, cell)) return;
  const memory = core.memory;
  const clocks = core.clocks;
  const before = clocks[cpu] ?? 0;
  core.cache.access(cpu, cell, op.code === OpCode.Store, clocks);
  let result = 0;
  if (core.tso) result = accessOnCpu(core, cpu, op);
  else if (op.code === OpCode.Store) memory.write(cell, op.value);
  else result = memory.read(cell);
  finish(core, cpu, frame, op, result, before, clocks[cpu] ?? 0);
}

/**
 * Under 'tso' and 'relaxed', what a load reads (through the CPU's store buffer) or a store does
 * (join it): apart from loadOrStore, so that the step loop's path under 'sc' stays small.
 */
function accessOnCpu(core: MachineCore, cpu: number, op: LoadOp | StoreOp): number {
  if (op.code === OpCode.Load) return loadOnCpu(core, cpu, op.cell, core.readStale);
  bufferStore(core, cpu, op.cell, op.value);
  return 0;
}

/** Every operation but a plain load or store. */
function executeOther(core: MachineCore, cpu: number, frame: Frame, op: Operation): void {
  // Under 'tso' an operation that orders (a locked instruction, smp_mb(), a call that takes a lock) first makes this CPU's buffered stores visible.
  if (core.tso && drainsBuffer(op)) {
    // A locked read-modify-write orders as its form says (read-modify-write.ts): here its CPU's stores only reach memory first.
    if (op.code === OpCode.Rmw) drainStores(core, cpu);
    else drain(core, cpu);
    if (core.faults.current !== undefined) return;
  }
  const before = core.clocks[cpu] ?? 0;
  let now = before;
  let result = 0;
  switch (op.code) {
    case OpCode.Rmw:
      if (!checkAccess(core, cpu, frame, op.cell)) return;
      if (!op.locked && !checkLocalOwner(core, cpu, frame, op.cell)) return;
      core.cache.access(cpu, op.cell, true, core.clocks);
      now = (core.clocks[cpu] ?? 0) + (op.locked ? core.cycles.atomicOverhead : 0);
      result = readModifyWrite(core, cpu, op);
      break;
    case OpCode.PreemptDisable:
      frame.preemptCount++;
      now += core.cycles.preemptToggle;
      break;
    case OpCode.PreemptEnable:
      if (frame.preemptCount === 0) {
        raise(core, 'invalid-op', 'preempt_enable() without preempt_disable(): preempt count underflow', cpu, frame);
        return;
      }
      frame.preemptCount--;
      now += core.cycles.preemptToggle;
      break;
    case OpCode.CpuRelax:
      // Under 'relaxed' a spinning CPU sees memory's value of what it spins on (relaxed-views.ts).
      core.storeBuffers.views?.relax(cpu);
      now += core.cycles.cpuRelax;
      break;
    case OpCode.Schedule:
    case OpCode.ScheduleTimeout:
      schedule(core, cpu, frame, op.code === OpCode.ScheduleTimeout ? op.timeoutCycles : -1);
      return;
    case OpCode.SetAffinity:
      setAffinity(core, cpu, frame, op.cpu);
      return;
    case OpCode.Exit:
      if (frame instanceof Task) exitTask(core, cpu, frame);
      return;
    default:
      executeKernelOp(core, cpu, frame, op, before);
      return;
  }
  finish(core, cpu, frame, op, result, before, now);
}

/** The rest of a performed operation: the CPU's clock moves to `now`, the event is traced, the frame resumes with `result`. */
function finish(core: MachineCore, cpu: number, frame: Frame, op: Operation, result: number, before: number, now: number): void {
  core.clocks[cpu] = now;
  if (core.trace !== undefined) traceOperation(core, cpu, frame, op, result, now - before);
  advance(core, cpu, frame, result);
}

/** Operations off the hot path: interrupt control, task state, waking, allocation, module code, IPIs, spawning, checks. */
function executeKernelOp(core: MachineCore, cpu: number, frame: Frame, op: Operation, before: number): void {
  const cycles = core.cycles;
  let now = before;
  let result = 0;
  switch (op.code) {
    case OpCode.IrqDisable:
    case OpCode.IrqEnable:
    case OpCode.IrqSave:
    case OpCode.IrqRestore:
      result = irqOperation(core, cpu, frame, op);
      if (core.faults.current !== undefined) return;
      now += op.code === OpCode.IrqSave || op.code === OpCode.IrqRestore ? cycles.irqSaveRestore : cycles.irqToggle;
      break;
    case OpCode.SetState:
      if (!(frame instanceof Task)) {
        raise(core, 'invalid-op', 'set_current_state() in interrupt context', cpu, frame);
        return;
      }
      // __set_current_state() under 'tso' is a plain store into the buffer; set_current_state() found it drained.
      if (core.tso && !op.ordered) bufferTaskState(core, cpu, frame.pid, op.state);
      else frame.state = op.state;
      now += cycles.hit;
      break;
    case OpCode.Fence:
    case OpCode.LoadAcquire:
    case OpCode.StoreRelease: {
      const done = orderedOperation(core, cpu, frame, op, now);
      if (done === undefined) return;
      ({ now, result } = done);
      break;
    }
    case OpCode.Wake:
      // The woken task carries what its waker knew (under 'relaxed'): wake_up_process() orders.
      core.storeBuffers.views?.carryTo(op.pid, cpu);
      result = wake(core, op.pid, cpu, frame, now);
      if (core.faults.current !== undefined) return;
      now += cycles.sameSocket;
      break;
    case OpCode.Work:
      now += Math.max(0, op.cycles);
      break;
    case OpCode.Alloc:
      result = core.memory.allocate(op.name, op.cells, op.kind, op.lineAligned, op.fields).base;
      now += cycles.allocFree;
      break;
    case OpCode.Free:
      if (!freeObject(core, cpu, frame, op.address)) return;
      now += cycles.allocFree;
      break;
    case OpCode.EnterCode:
    case OpCode.ExitCode:
      if (!(op.code === OpCode.EnterCode ? enterCode(core, cpu, frame, op.address, op.what) : exitCode(core, cpu, frame))) return;
      now += cycles.hit;
      break;
    case OpCode.SendIpi:
      if (!queueIpi(core, cpu, frame, op.cpu, op.name, op.handler, now)) return;
      // The handler's CPU learns what the sender knew when it takes the IPI (under 'relaxed').
      core.storeBuffers.views?.carryTo(ipiCarrier(op.cpu), cpu);
      now += cycles.ipiSend;
      break;
    case OpCode.Spawn:
      result = spawnFrom(core, cpu, frame, op.spec, now);
      if (result === 0) return;
      now += cycles.contextSwitch;
      break;
    case OpCode.Check:
      if (!op.ok) {
        raise(core, 'assertion', op.message, cpu, frame);
        return;
      }
      break;
    case OpCode.Note:
      break;
    default:
      raise(core, 'invalid-op', `yielded ${JSON.stringify(op)}, which is not an operation`, cpu, frame);
      return;
  }
  finish(core, cpu, frame, op, result, before, now);
}

/**
 * The memory barriers, smp_load_acquire() and smp_store_release(): the clock after and the value
 * loaded, or undefined after a fault. smp_mb() found the buffer drained (drainsBuffer); under
 * 'relaxed' the others order what the views say (relaxed-views.ts); under 'sc' and 'tso' acquire
 * and release are a plain load and store.
 */
function orderedOperation(core: MachineCore, cpu: number, frame: Frame, op: FenceOp | LoadAcquireOp | StoreReleaseOp, before: number): { now: number; result: number } | undefined {
  const views = core.storeBuffers.views;
  if (op.code === OpCode.Fence) {
    if (op.kind === 'rmb') views?.readFence(cpu);
    else if (op.kind === 'wmb') views?.writeFence(cpu);
    return { now: before + (op.kind === 'mb' ? core.cycles.atomicOverhead : 0), result: 0 };
  }
  if (!checkAccess(core, cpu, frame, op.cell)) return undefined;
  if (op.code === OpCode.LoadAcquire) {
    core.cache.access(cpu, op.cell, false, core.clocks);
    const now = core.clocks[cpu] ?? 0;
    const result = core.tso ? loadOnCpu(core, cpu, op.cell, core.readStale) : core.memory.read(op.cell);
    views?.acquireFence(cpu);
    return { now, result };
  }
  core.cache.access(cpu, op.cell, true, core.clocks);
  const now = core.clocks[cpu] ?? 0;
  views?.releaseFence(cpu);
  if (core.tso) bufferStore(core, cpu, op.cell, op.value);
  else core.memory.write(op.cell, op.value);
  return { now, result: 0 };
}

/** kfree: false with a fault raised for what is not a live allocation; under 'relaxed' no CPU keeps an older value of the object. */
function freeObject(core: MachineCore, cpu: number, frame: Frame, address: number): boolean {
  const freed = core.memory.free(address);
  if (freed === undefined) {
    raise(core, 'use-after-free', `kfree(0x${address.toString(16)}): ${core.memory.describe(address)} is not a live allocation (double free?)`, cpu, frame);
    return false;
  }
  core.storeBuffers.views?.forgetCells(freed.base, freed.cells);
  return true;
}

/** kthread_run() from kernel code: the new pid, or 0 with a fault raised for a spec this machine cannot run. */
function spawnFrom(core: MachineCore, cpu: number, frame: Frame, spec: TaskSpec, nowCycles: number): number {
  const problem = checkSpawn(core, spec);
  if (problem !== undefined) {
    raise(core, 'invalid-op', problem, cpu, frame);
    return 0;
  }
  const pid = createTask(core, spec, nowCycles);
  // Under 'relaxed' the new task carries what its spawner knew: kthread_run() takes locks.
  core.storeBuffers.views?.carryTo(pid, cpu);
  return pid;
}

function checkAccess(core: MachineCore, cpu: number, frame: Frame, address: number): boolean {
  if (core.memory.isLive(address)) return true;
  accessFault(core, cpu, frame, address);
  return false;
}

function accessFault(core: MachineCore, cpu: number, frame: Frame, address: number): void {
  const liveness = core.memory.liveness(address);
  if (liveness < 0) raise(core, 'invalid-access', `access to address ${String(address)}, which no allocation holds`, cpu, frame);
  else raise(core, 'use-after-free', `access to ${core.memory.describe(address)} after it was freed`, cpu, frame);
}

/**
 * An unlocked read-modify-write (local_add) is one instruction: no interrupt can split it, but
 * another CPU's update of the same cell can interleave with its read and write. The kernel's
 * rule for local_t (Documentation/core-api/local_ops.rst) is that only the owning CPU updates
 * it; the first CPU to update a cell so owns it, and an update from another CPU is reported.
 */
function checkLocalOwner(core: MachineCore, cpu: number, frame: Frame, cell: number): boolean {
  const owner = core.localOwners.get(cell);
  if (owner === undefined) core.localOwners.set(cell, cpu);
  if (owner === undefined || owner === cpu) return true;
  raise(core, 'invalid-op', `local_add on ${core.memory.describe(cell)} from CPU ${cpu}, which CPU ${owner} updates: a local_t is atomic only against its own CPU's interrupts, and another CPU's update can be lost`, cpu, frame);
  return false;
}
