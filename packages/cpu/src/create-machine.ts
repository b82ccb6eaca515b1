import { Machine, type FaultPolicy } from './machine.js';
import { profiles, type MachineProfile } from './profiles.js';
import { configError, ok, type ConfigError, type Result } from './result.js';
import { parseSchedule } from './schedule-string.js';
import type { Scheduler } from './schedulers/scheduler.js';
import { defaultTopology, validateCpuCount, validateTopology, type Topology } from './topology.js';
import type { TraceSink } from './trace.js';
import { MEMORY_MODEL_NAMES, type MemoryModelName } from './internal/store-buffers.js';

export const DEFAULT_MAX_STEPS = 10_000_000;

export interface MachineConfig {
  /** 1 to 1024. */
  readonly cpuCount: number;
  /** A profile name from `profiles`, or a profile of the caller's own. Default: 'generic'. */
  readonly profile?: string | MachineProfile;
  /** Default: the profile's own shape where the CPU count fills whole sockets of it, else spread over sockets no fuller than its own (see defaultTopology). */
  readonly topology?: Topology;
  /** A schedule string (see parseSchedule) or a scheduler object. Default: 'kms1:rr'. */
  readonly schedule?: string | Scheduler;
  /** Where trace events go; no tracing when omitted. */
  readonly trace?: TraceSink;
  /** A run that takes more steps than this ends with a step-limit fault. */
  readonly maxSteps?: number;
  /** Keep the list of choices made (for replay strings); on by default. */
  readonly recordChoices?: boolean;
  /** 'stop' (default): a fault ends the run. 'oops': a faulting task is killed and the run goes on. */
  readonly faultPolicy?: FaultPolicy;
  /**
   * Keep what each task's generator is fed, so that `snapshot()` can restore it: a number per
   * step a task takes (fewer for a kthread that rests, see `rest`) and about a quarter of the
   * step rate. Off by default; a machine without it can be snapshotted only while no task is alive.
   */
  readonly snapshots?: boolean;
  /**
   * 'sc' (default): sequential consistency, every store visible to every CPU at once. 'tso':
   * x86-TSO, each CPU's stores wait in a FIFO store buffer until a `flush` choice (or a barrier,
   * a locked instruction, an interrupt or a context switch) makes them visible to the others.
   */
  readonly memoryModel?: MemoryModelName;
}

/** Builds a machine, or says which part of the configuration is wrong. */
export function createMachine(config: MachineConfig): Result<Machine, ConfigError> {
  const cpuCount = validateCpuCount(config.cpuCount);
  if (!cpuCount.ok) return cpuCount;
  const profile = resolveProfile(config.profile);
  if (!profile.ok) return profile;
  const topology = validateTopology(cpuCount.value, config.topology ?? defaultTopology(cpuCount.value, profile.value));
  if (!topology.ok) return topology;
  const scheduler = resolveScheduler(config.schedule);
  if (!scheduler.ok) return scheduler;
  const maxSteps = checkMaxSteps(config.maxSteps ?? DEFAULT_MAX_STEPS);
  if (!maxSteps.ok) return maxSteps;
  const memoryModel = config.memoryModel ?? 'sc';
  if (!MEMORY_MODEL_NAMES.includes(memoryModel)) {
    return configError('memoryModel', `unknown memory model '${memoryModel}'; known models: ${MEMORY_MODEL_NAMES.join(', ')}`);
  }
  return ok(
    new Machine({
      cpuCount: cpuCount.value,
      profile: profile.value,
      topology: topology.value,
      scheduler: scheduler.value,
      trace: config.trace,
      maxSteps: maxSteps.value,
      record: config.recordChoices ?? true,
      faultPolicy: config.faultPolicy ?? 'stop',
      snapshots: config.snapshots ?? false,
      memoryModel,
    }),
  );
}

function resolveProfile(profile: string | MachineProfile | undefined): Result<MachineProfile, ConfigError> {
  if (profile === undefined) return ok(profiles.generic);
  if (typeof profile !== 'string') return ok(profile);
  const known = Object.keys(profiles);
  if (!Object.hasOwn(profiles, profile)) {
    return configError('profile', `unknown machine profile '${profile}'; known profiles: ${known.join(', ')}`);
  }
  return ok(profiles[profile as keyof typeof profiles]);
}

export function checkMaxSteps(maxSteps: number): Result<number, ConfigError> {
  if (!Number.isInteger(maxSteps) || maxSteps < 1) {
    return configError('maxSteps', `maxSteps must be a whole number of at least 1, got ${String(maxSteps)}`);
  }
  return ok(maxSteps);
}

/** A scheduler from a schedule string or object; round-robin when none is given. */
export function resolveScheduler(schedule: string | Scheduler | undefined): Result<Scheduler, ConfigError> {
  if (schedule === undefined) return parseSchedule('kms1:rr');
  if (typeof schedule === 'string') return parseSchedule(schedule);
  return ok(schedule);
}
