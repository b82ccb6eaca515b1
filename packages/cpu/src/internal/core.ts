import type { ReplayLog } from './replay-log.js';
import { Memory } from '../memory.js';
import type { MachineProfile, ProfileCycles } from '../profiles.js';
import type { Scheduler } from '../schedulers/scheduler.js';
import type { HostState } from '../host-state.js';
import type { BodyRegistry } from '../snapshot.js';
import type { Task } from '../task.js';
import { placeCpus, type Topology } from '../topology.js';
import type { TraceSink } from '../trace.js';
import type { CacheLines } from './cache-lines.js';
import { ChoiceLog } from './choice-log.js';
import { FaultState, type FaultPolicy } from './faults.js';
import { InterruptState } from './interrupts.js';
import { RunQueueState } from './run-queues.js';
import { StoreBufferState, type MemoryModelName } from './store-buffers.js';
import { TimerState } from './timers.js';

// The machine's state, one field per part. Each part's state is plain data (numbers, typed
// arrays, lists of tasks) defined in the file named after the part, beside the functions that
// change it: run queues (run-queues.ts, with sleeping and waking in sleep-wake.ts), timers,
// interrupts, faults, tracing, and the operation interpreter. The functions take this core as
// their first argument, so that one part can call another without holding it.

export interface MachineParts {
  readonly cpuCount: number;
  readonly profile: MachineProfile;
  readonly topology: Topology;
  readonly scheduler: Scheduler;
  readonly trace: TraceSink | undefined;
  readonly maxSteps: number;
  readonly record: boolean;
  readonly faultPolicy: FaultPolicy;
  /** Keep each task's replay log, so that the machine can be snapshotted (see replay-log.ts). */
  readonly snapshots: boolean;
  /** 'sc' (sequential consistency), 'tso' (x86-TSO: a store buffer per CPU, see store-buffers.ts) or 'relaxed' (also stale reads, see relaxed-views.ts). */
  readonly memoryModel: MemoryModelName;
}

/** The host-side reads a replayed body made, handed back in order. */
export interface LoggedReads {
  nextRead(): number;
  nextReceived(): unknown;
}

export class MachineCore {
  readonly cpuCount: number;
  readonly profile: MachineProfile;
  readonly topology: Topology;
  readonly cycles: ProfileCycles;
  readonly scheduler: Scheduler;
  /** Where trace events go; undefined when the run is not traced (see tracing.ts). */
  readonly trace: TraceSink | undefined;
  readonly maxSteps: number;
  /** Whether the choices made are kept (for replay strings). */
  readonly record: boolean;
  /** Whether each task's replay log is kept (for snapshots); a rewind may turn it off. */
  snapshots: boolean;

  readonly memory: Memory;
  /** The memory's cache-coherence cost model, held directly: every load and store asks it. */
  readonly cache: CacheLines;
  /** Each CPU's clock, in cycles. */
  readonly clocks: Float64Array;
  readonly runQueues: RunQueueState;
  readonly interrupts: InterruptState;
  readonly timers: TimerState;
  readonly faults: FaultState;
  readonly storeBuffers: StoreBufferState;
  /** True under 'tso' and 'relaxed': stores go through each CPU's store buffer. */
  readonly tso: boolean;
  /** True while the `stale` choice performs a load: it reads the CPU's stale copy (under 'relaxed'). */
  readStale = false;
  /** Every task by pid; pid 0 is no task. */
  readonly tasks: (Task | undefined)[] = [undefined];
  /** The CPU that updates each cell with unlocked read-modify-writes (the interpreter's checkLocalOwner). */
  readonly localOwners = new Map<number, number>();
  readonly recorded = new ChoiceLog();
  /** Kernel state kept outside simulated memory, in the order it was handed over (see host-state.ts). */
  readonly hostParts: HostState[] = [];
  /** Bodies and handlers the kernel named for snapshots in bytes (Machine.nameBodies). */
  readonly bodies: Record<string, BodyRegistry[string]> = {};
  /**
   * The log of the task whose body runs now, if it keeps one: host code reading simulated memory
   * (machine.read) from inside a body logs the value there, so a replay reads what it read.
   */
  readLog: ReplayLog | undefined = undefined;
  /** While a body is replayed: where machine.read takes its values from (see replay.ts). */
  replaying: LoggedReads | undefined = undefined;
  /** Under 'tso': the CPU whose task or handler body runs now (host code's machine.read reads through its buffer), else -1. */
  bodyCpu = -1;
  /** Ordinary (not daemon) tasks that have not exited. */
  liveTasks = 0;
  /** Choices performed so far. */
  steps = 0;

  constructor(parts: MachineParts) {
    const cpuCount = parts.cpuCount;
    this.cpuCount = cpuCount;
    this.profile = parts.profile;
    this.topology = parts.topology;
    this.cycles = parts.profile.cycles;
    this.scheduler = parts.scheduler;
    this.trace = parts.trace;
    this.maxSteps = parts.maxSteps;
    this.record = parts.record;
    this.snapshots = parts.snapshots;
    this.memory = new Memory(cpuCount, placeCpus(cpuCount, parts.topology), this.cycles);
    this.cache = this.memory.cache;
    this.clocks = new Float64Array(cpuCount);
    this.runQueues = new RunQueueState(cpuCount);
    this.interrupts = new InterruptState(cpuCount);
    this.timers = new TimerState();
    this.faults = new FaultState(parts.faultPolicy);
    this.storeBuffers = new StoreBufferState(parts.memoryModel, cpuCount);
    if (this.storeBuffers.views !== undefined && parts.trace !== undefined) this.storeBuffers.views.dropped = [];
    this.tso = parts.memoryModel !== 'sc';
  }

  /** The latest clock of any CPU: how long the run took. */
  get elapsedCycles(): number {
    let latest = 0;
    for (const cycles of this.clocks) latest = Math.max(latest, cycles);
    return latest;
  }
}
