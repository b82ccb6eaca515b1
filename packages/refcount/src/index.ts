export {
  ModuleState,
  VIOLATION_KINDS,
  MODULE_REFCOUNT_MEMBERS,
  REFCOUNT_STRATEGY_MEMBERS,
  type ArchLocalFlavour,
  type KnownViolation,
  type ModuleCells,
  type ModuleRefcount,
  type ModuleStateValue,
  type RefcountRuntime,
  type RefcountStrategy,
  type StopOutcome,
  type StrategyEnvironment,
  type UnloadFlags,
  type ViolationKind,
} from './strategy.js';
export { findStrategy, flawedStrategies, soundStrategies, strategies, strategyNames, type StrategyName } from './registry.js';
export { atomicBias } from './strategies/atomic-bias.js';
export { globalAtomic } from './strategies/global-atomic.js';
export { globalSpinlock } from './strategies/global-spinlock.js';
export { percpuRef } from './strategies/percpu-ref.js';
export { percpuEarlyFree, percpuLostWakeup, percpuNaiveSum, percpuPlainLocal, percpuSplitCounters, percpuSplitUnorderedSum, percpuStopMachine, percpuUnorderedWait } from './strategies/percpu.js';
export { percpuDekker, percpuDekkerUnorderedPut } from './strategies/percpu-dekker.js';
