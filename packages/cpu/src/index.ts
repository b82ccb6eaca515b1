export { createMachine, DEFAULT_MAX_STEPS, type MachineConfig } from './create-machine.js';
export { drainsBuffer, MEMORY_MODEL_NAMES, type MemoryModelName } from './internal/store-buffers.js';
export { Machine, type FaultPolicy, type IrqSourceSpec, type MachineStatus, type RunResult, type TaskInfo, type WakeEffect } from './machine.js';
export { CELLS_PER_LINE, type AccessSource, type MemObject } from './memory.js';
export {
  OpCode,
  RmwKind,
  alloc,
  atomicAdd,
  atomicDec,
  atomicInc,
  check,
  cmpxchg,
  cpuRelax,
  enterCode,
  exitCode,
  free,
  load,
  localAdd,
  localIrqDisable,
  localIrqEnable,
  localIrqRestore,
  localIrqSave,
  note,
  preemptDisable,
  preemptEnable,
  rest,
  schedule,
  scheduleTimeout,
  sendIpi,
  setAffinity,
  setCurrentState,
  setCurrentStateUnordered,
  loadAcquire,
  smpMb,
  smpMbAfterAtomic,
  smpMbBeforeAtomic,
  smpRmb,
  smpWmb,
  spawn,
  store,
  storeRelease,
  wakeUpProcess,
  work,
  xchg,
  type ExecutionContext,
  type FenceKind,
  type IrqHandler,
  type KernelCode,
  type MemoryKind,
  type Operation,
  type RmwOrder,
  type SleepState,
  type TaskBody,
  type TaskPriority,
  type TaskSpec,
  type TaskStateName,
} from './ops.js';
export { genericProfile, profiles, xeon8176PerfbookProfile, type MachineProfile, type ProfileCycles, type ProfileName } from './profiles.js';
export { configError, done, fail, ok, type ConfigError, type Failure, type Ok, type Result } from './result.js';
export { ERRNO, errnoFromNumber, errnoNumber, isErrno, strerror, type Errno } from './errno.js';
export { formatChoice, sameChoice, TIME_PASSES, type Choice } from './choice.js';
export {
  SNAPSHOT_FORMAT,
  type BodyArg,
  type BodyRef,
  type BodyRegistry,
  type MachineSnapshot,
  type RestoreOptions,
  type RewindOptions,
  type SnapshotFailure,
  type SnapshotProblem,
} from './snapshot.js';
export { decodeSnapshot, encodeSnapshot } from './internal/snapshot-bytes.js';
export { keptList, keptValue, type HostSave, type HostState, type Kept } from './host-state.js';
export type { Fault, FaultKind } from './fault.js';
export { createPrng, type Prng } from './prng.js';
export { formatChoiceList, parseChoiceList, parseSchedule, scheduleModelMismatch, SCHEDULE_VERSION, type ScheduleModelMismatch } from './schedule-string.js';
export { RoundRobinScheduler } from './schedulers/round-robin.js';
export { RandomScheduler, type RandomSchedulerOptions } from './schedulers/random.js';
export { ReplayScheduler } from './schedulers/replay.js';
export type { Scheduler, SchedulerView } from './schedulers/scheduler.js';
export { runScenario, type RunScenarioOptions, type Scenario, type ScenarioCheck, type ScenarioRun } from './scenario.js';
export { MAX_CPUS, defaultTopology, type Topology } from './topology.js';
export { MemoryTraceSink, formatChromeTrace, formatFtrace, formatFtraceLine, type TraceEvent, type TraceSink } from './trace.js';
export { spinLock, spinLockIrqsave, spinUnlock, spinUnlockIrqrestore, spinlockAt, spinlockFields, type Spinlock } from './sync/spinlock.js';
export { MUTEX_CELLS, mutexAt, mutexFields, mutexLock, mutexTrylock, mutexUnlock, type Mutex } from './sync/mutex.js';
export { mightSleep } from './sync/might-sleep.js';
export { waitEvent } from './sync/wait-event.js';
