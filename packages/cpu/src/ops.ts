// Simulated kernel code is a generator that yields one operation per step. The machine performs
// the operation only when its scheduler picks that CPU, then resumes the generator with the
// operation's result (always a number: a loaded value, an old value, IRQ flags, an address, a
// pid). Everything between two yields runs atomically on the CPU that performed the first one,
// so anything that can interleave in a real kernel must be its own operation.
//
// Operations carry numeric codes: the step loop switches on them millions of times a second.

import type { BodyRef } from './snapshot.js';

export const OpCode = {
  Load: 0,
  Store: 1,
  Rmw: 2,
  IrqDisable: 3,
  IrqEnable: 4,
  IrqSave: 5,
  IrqRestore: 6,
  PreemptDisable: 7,
  PreemptEnable: 8,
  SetState: 9,
  Schedule: 10,
  ScheduleTimeout: 11,
  Wake: 12,
  CpuRelax: 13,
  Work: 14,
  Alloc: 15,
  Free: 16,
  EnterCode: 17,
  ExitCode: 18,
  SendIpi: 19,
  Spawn: 20,
  Check: 21,
  Note: 22,
  SetAffinity: 23,
  Exit: 24,
  Rest: 25,
  Fence: 26,
  LoadAcquire: 27,
  StoreRelease: 28,
} as const;
export type OpCode = (typeof OpCode)[keyof typeof OpCode];

/** Read-modify-write flavours. `add` returns the new value (atomic_add_return), the others the old. */
export const RmwKind = { Add: 0, Xchg: 1, Cmpxchg: 2 } as const;
/**
 * How a locked read-modify-write orders the loads and stores around it, as the Linux kernel
 * memory model has it (Documentation/atomic_t.txt): 'full' for the value-returning atomics, xchg()
 * and a cmpxchg() that succeeds (as if smp_mb() stood on each side); 'relaxed' for atomic_inc(),
 * atomic_dec(), atomic_add() and the _relaxed forms; 'acquire' and 'release' for those forms. A
 * cmpxchg() that fails orders nothing, whatever its form. Only the 'relaxed' memory model tells them
 * apart: x86's lock prefix orders fully whatever the form, so under 'tso' every one drains.
 */
export type RmwOrder = 'full' | 'relaxed' | 'acquire' | 'release';
export type RmwKind = (typeof RmwKind)[keyof typeof RmwKind];

/** Linux task states a task can put itself in with set_current_state(). */
export type SleepState = 'TASK_UNINTERRUPTIBLE' | 'TASK_INTERRUPTIBLE';
export type TaskStateName = 'TASK_RUNNING' | SleepState | 'TASK_DEAD';

/** What a task (or an interrupt handler) sees of itself while it runs. */
export interface ExecutionContext {
  readonly pid: number;
  readonly comm: string;
  /** The CPU this code runs on now; stable only while preemption is off (smp_processor_id()). */
  readonly cpu: number;
  readonly preemptCount: number;
  readonly irqsDisabled: boolean;
  readonly inIrq: boolean;
  /** What set_current_state() last set (TASK_RUNNING in an interrupt handler). */
  readonly taskState: TaskStateName;
}

export type KernelCode<TReturn = unknown> = Generator<Operation, TReturn, number>;
export type TaskBody = (self: ExecutionContext) => KernelCode;
export type IrqHandler = (self: ExecutionContext) => KernelCode;

export type TaskPriority = 'normal' | 'fifo' | 'stop';

export interface TaskSpec {
  readonly name: string;
  readonly body: TaskBody;
  /** CPU the task starts on; a bound task (a per-CPU kthread) never leaves it. */
  readonly cpu?: number;
  readonly bound?: boolean;
  /** 'stop' is the stopper class: it preempts everything else on its CPU as soon as it may. */
  readonly priority?: TaskPriority;
  /** A daemon may still be asleep or spinning when the run ends (a kthread waiting for work). */
  readonly daemon?: boolean;
  /** Names the body for a snapshot saved as bytes (see BodyRef); an in-memory snapshot needs none. */
  readonly bodyRef?: BodyRef;
}

export interface LoadOp { readonly code: 0; readonly cell: number }
export interface StoreOp { readonly code: 1; readonly cell: number; readonly value: number }
export interface RmwOp {
  readonly code: 2;
  readonly cell: number;
  readonly kind: RmwKind;
  readonly operand: number;
  /** cmpxchg's expected value. */
  readonly expected: number;
  /** false for a single unlocked instruction (x86 `incq` on a local_t): IRQ-safe, not SMP-safe. */
  readonly locked: boolean;
  /** How a locked one orders the accesses around it (see RmwOrder); an unlocked one is 'relaxed'. */
  readonly order: RmwOrder;
}
export interface IrqDisableOp { readonly code: 3 }
export interface IrqEnableOp { readonly code: 4 }
export interface IrqSaveOp { readonly code: 5 }
export interface IrqRestoreOp { readonly code: 6; readonly flags: number }
export interface PreemptDisableOp { readonly code: 7 }
export interface PreemptEnableOp { readonly code: 8 }
/** `ordered`: set_current_state() (smp_store_mb: the store, then a full barrier); false: __set_current_state(), a plain store. */
export interface SetStateOp { readonly code: 9; readonly state: SleepState | 'TASK_RUNNING'; readonly ordered: boolean }
export interface ScheduleOp { readonly code: 10 }
export interface ScheduleTimeoutOp { readonly code: 11; readonly timeoutCycles: number }
export interface WakeOp { readonly code: 12; readonly pid: number }
export interface CpuRelaxOp { readonly code: 13 }
export interface WorkOp { readonly code: 14; readonly cycles: number; readonly what: string }
export interface AllocOp { readonly code: 15; readonly name: string; readonly cells: number; readonly kind: MemoryKind; readonly lineAligned: boolean; readonly fields: readonly string[] | undefined }
export interface FreeOp { readonly code: 16; readonly address: number }
export interface EnterCodeOp { readonly code: 17; readonly address: number; readonly what: string }
export interface ExitCodeOp { readonly code: 18 }
export interface SendIpiOp { readonly code: 19; readonly cpu: number; readonly name: string; readonly handler: IrqHandler }
export interface SpawnOp { readonly code: 20; readonly spec: TaskSpec }
export interface CheckOp { readonly code: 21; readonly ok: boolean; readonly message: string }
export interface NoteOp { readonly code: 22; readonly text: string }
export interface SetAffinityOp { readonly code: 23; readonly cpu: number }
/** do_exit(): the machine performs it as a task's last step, after its body has returned. */
export interface ExitOp { readonly code: 24 }
/** A rest point (see rest()): never performed, so never a task's pending operation. */
export interface RestOp { readonly code: 25 }
/**
 * A memory barrier. Under 'sc' every one is a step that orders nothing more; under 'tso' smp_mb()
 * drains the CPU's store buffer and smp_wmb()/smp_rmb() are compiler barriers only, as on x86;
 * under 'relaxed' smp_wmb() and smp_rmb() order what the views say (internal/relaxed-views.ts).
 */
export interface FenceOp { readonly code: 26; readonly kind: FenceKind }
export type FenceKind = 'mb' | 'wmb' | 'rmb';
/** smp_load_acquire(): later accesses come after it. Under 'sc' and 'tso' a plain load (x86's loads acquire). */
export interface LoadAcquireOp { readonly code: 27; readonly cell: number }
/** smp_store_release(): earlier accesses come before it. Under 'sc' and 'tso' a plain store (x86's stores release). */
export interface StoreReleaseOp { readonly code: 28; readonly cell: number; readonly value: number }

export type Operation =
  | LoadOp | StoreOp | RmwOp
  | IrqDisableOp | IrqEnableOp | IrqSaveOp | IrqRestoreOp
  | PreemptDisableOp | PreemptEnableOp
  | SetStateOp | ScheduleOp | ScheduleTimeoutOp | WakeOp
  | CpuRelaxOp | WorkOp
  | AllocOp | FreeOp | EnterCodeOp | ExitCodeOp
  | SendIpiOp | SpawnOp | CheckOp | NoteOp | SetAffinityOp | ExitOp | RestOp | FenceOp
  | LoadAcquireOp | StoreReleaseOp;

export type MemoryKind = 'data' | 'code';

// Constructors. Operations without operands are shared constants: yielding them allocates nothing.
const IRQ_DISABLE: IrqDisableOp = { code: OpCode.IrqDisable };
const IRQ_ENABLE: IrqEnableOp = { code: OpCode.IrqEnable };
const IRQ_SAVE: IrqSaveOp = { code: OpCode.IrqSave };
const PREEMPT_DISABLE: PreemptDisableOp = { code: OpCode.PreemptDisable };
const PREEMPT_ENABLE: PreemptEnableOp = { code: OpCode.PreemptEnable };
const SCHEDULE: ScheduleOp = { code: OpCode.Schedule };
const CPU_RELAX: CpuRelaxOp = { code: OpCode.CpuRelax };
const EXIT_CODE: ExitCodeOp = { code: OpCode.ExitCode };
const REST: RestOp = { code: OpCode.Rest };
/** The step a task takes after its body returns; it is the machine's, not the task's, to yield. */
export const EXIT_TASK: ExitOp = { code: OpCode.Exit };

export const load = (cell: number): LoadOp => ({ code: OpCode.Load, cell });
export const store = (cell: number, value: number): StoreOp => ({ code: OpCode.Store, cell, value });
const rmw = (cell: number, kind: RmwKind, operand: number, expected: number, locked: boolean, order: RmwOrder): RmwOp =>
  ({ code: OpCode.Rmw, cell, kind, operand, expected, locked, order });
/** atomic_add_return (or its `order` form): a locked add; resumes with the new value. */
export const atomicAdd = (cell: number, delta: number, order: RmwOrder = 'full'): RmwOp => rmw(cell, RmwKind.Add, delta, 0, true, order);
/** atomic_inc(): a locked add that orders nothing (it returns no value); resumes with the new value all the same. */
export const atomicInc = (cell: number): RmwOp => atomicAdd(cell, 1, 'relaxed');
/** atomic_dec(): as atomic_inc(), unordered. */
export const atomicDec = (cell: number): RmwOp => atomicAdd(cell, -1, 'relaxed');
/** xchg (or its `order` form): resumes with the old value. */
export const xchg = (cell: number, value: number, order: RmwOrder = 'full'): RmwOp => rmw(cell, RmwKind.Xchg, value, 0, true, order);
/** cmpxchg (or its `order` form): stores `value` if the cell holds `expected`; resumes with the old value either way. Ordered only when it stores. */
export const cmpxchg = (cell: number, expected: number, value: number, order: RmwOrder = 'full'): RmwOp => rmw(cell, RmwKind.Cmpxchg, value, expected, true, order);
/** One unlocked read-modify-write instruction: atomic against this CPU's interrupts only. */
export const localAdd = (cell: number, delta: number): RmwOp => rmw(cell, RmwKind.Add, delta, 0, false, 'relaxed');

export const localIrqDisable = (): IrqDisableOp => IRQ_DISABLE;
export const localIrqEnable = (): IrqEnableOp => IRQ_ENABLE;
/** local_irq_save: resumes with the flags (1 when interrupts were on). */
export const localIrqSave = (): IrqSaveOp => IRQ_SAVE;
export const localIrqRestore = (flags: number): IrqRestoreOp => ({ code: OpCode.IrqRestore, flags });
export const preemptDisable = (): PreemptDisableOp => PREEMPT_DISABLE;
export const preemptEnable = (): PreemptEnableOp => PREEMPT_ENABLE;

/** set_current_state(): smp_store_mb(current->__state, state), the store then a full barrier. */
export const setCurrentState = (state: SleepState | 'TASK_RUNNING'): SetStateOp => ({ code: OpCode.SetState, state, ordered: true });
/** __set_current_state(): a plain store of the state, with no barrier; under 'tso' another CPU's wake may not see it yet. */
export const setCurrentStateUnordered = (state: SleepState | 'TASK_RUNNING'): SetStateOp => ({ code: OpCode.SetState, state, ordered: false });
/** schedule(): sleeps if the task's state is not TASK_RUNNING, else lets others on this CPU run. */
export const schedule = (): ScheduleOp => SCHEDULE;
/** schedule_timeout(): as schedule(), but a timer wakes the task after `timeoutCycles`; resumes with the cycles left (0 on time-out). */
export const scheduleTimeout = (timeoutCycles: number): ScheduleTimeoutOp => ({ code: OpCode.ScheduleTimeout, timeoutCycles });
/** wake_up_process(): resumes with 1 if the task was asleep (or about to sleep) and is now running. */
export const wakeUpProcess = (pid: number): WakeOp => ({ code: OpCode.Wake, pid });
export const cpuRelax = (): CpuRelaxOp => CPU_RELAX;
/** Time spent computing without touching shared memory. */
export const work = (cycles: number, what = 'work'): WorkOp => ({ code: OpCode.Work, cycles, what });

/** Allocates `cells` 8-byte cells; resumes with the base address. */
/** kmalloc: `fields` names the cells for traces and faults (`['demo_chardev.state', ...]`). */
export const alloc = (name: string, cells: number, options: { kind?: MemoryKind; lineAligned?: boolean; fields?: readonly string[] } = {}): AllocOp =>
  ({ code: OpCode.Alloc, name, cells, kind: options.kind ?? 'data', lineAligned: options.lineAligned ?? false, fields: options.fields });
export const free = (address: number): FreeOp => ({ code: OpCode.Free, address });
/** Marks the start of executing code that lives in the object at `address` (a call into a module). */
export const enterCode = (address: number, what: string): EnterCodeOp => ({ code: OpCode.EnterCode, address, what });
/** Returns from the code entered last. */
export const exitCode = (): ExitCodeOp => EXIT_CODE;
export const sendIpi = (cpu: number, name: string, handler: IrqHandler): SendIpiOp => ({ code: OpCode.SendIpi, cpu, name, handler });
/** kthread_run(): resumes with the new task's pid. */
export const spawn = (spec: TaskSpec): SpawnOp => ({ code: OpCode.Spawn, spec });
/** BUG_ON(!ok): a failed check ends the run with an assertion fault. */
export const check = (ok: boolean, message: string): CheckOp => ({ code: OpCode.Check, ok, message });
/**
 * set_cpus_allowed_ptr(current, ...): binds the calling task to `cpu` (moving it there at once
 * if it runs elsewhere), or with -1 lets it run anywhere again. Resumes with 0.
 */
export const setAffinity = (cpu: number): SetAffinityOp => ({ code: OpCode.SetAffinity, cpu });
/** trace_printk(): a line in the trace, nothing else. */
export const note = (text: string): NoteOp => ({ code: OpCode.Note, text });
/**
 * A rest point: a long-lived kthread (a stopper, a kworker, an RCU thread) yields it at the head
 * of its loop, where its local variables hold what they held the first time it got there. It is
 * no step: the machine resumes the task at once with 0, charges nothing, traces nothing, and no
 * scheduler or model checker sees it. What it changes is how a snapshot restores the task: by
 * running its body afresh up to its first rest point and on from there with what it was fed since
 * its latest one, so that what the machine keeps for it does not grow with the work it did. A
 * body whose locals differ from one visit to the next (a loop counter) must not rest there: its
 * restored copy would start the loop with the first visit's values. In an interrupt handler it
 * does nothing.
 */
export const rest = (): RestOp => REST;

const SMP_MB: FenceOp = { code: OpCode.Fence, kind: 'mb' };
const SMP_WMB: FenceOp = { code: OpCode.Fence, kind: 'wmb' };
const SMP_RMB: FenceOp = { code: OpCode.Fence, kind: 'rmb' };
/** smp_mb(): a full barrier (x86: mfence or a locked instruction): every earlier store is visible before any later load. */
export const smpMb = (): FenceOp => SMP_MB;
/** smp_wmb(): orders earlier stores before later ones (x86-TSO keeps that order anyway). */
export const smpWmb = (): FenceOp => SMP_WMB;
/** smp_rmb(): orders earlier loads before later ones (x86-TSO keeps that order anyway). */
export const smpRmb = (): FenceOp => SMP_RMB;
/** smp_mb__before_atomic(): a full barrier, for an unordered atomic (atomic_inc()) that follows. */
export const smpMbBeforeAtomic = (): FenceOp => SMP_MB;
/** smp_mb__after_atomic(): a full barrier, for an unordered atomic that precedes it. */
export const smpMbAfterAtomic = (): FenceOp => SMP_MB;
/** smp_load_acquire(): resumes with the value; later loads and stores come after it. */
export const loadAcquire = (cell: number): LoadAcquireOp => ({ code: OpCode.LoadAcquire, cell });
/** smp_store_release(): earlier loads and stores come before it. */
export const storeRelease = (cell: number, value: number): StoreReleaseOp => ({ code: OpCode.StoreRelease, cell, value });
