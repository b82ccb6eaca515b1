import { atomicBias } from './strategies/atomic-bias.js';
import { globalAtomic } from './strategies/global-atomic.js';
import { globalSpinlock } from './strategies/global-spinlock.js';
import { percpuRef } from './strategies/percpu-ref.js';
import { percpuEarlyFree, percpuLostWakeup, percpuNaiveSum, percpuPlainLocal, percpuSplitCounters, percpuSplitUnorderedSum, percpuStopMachine, percpuUnorderedWait } from './strategies/percpu.js';
import { percpuDekker, percpuDekkerUnorderedPut } from './strategies/percpu-dekker.js';
import type { RefcountStrategy } from './strategy.js';

/** Every strategy kmodsim ships, by name. */
export const strategies = {
  'percpu-stop-machine': percpuStopMachine,
  'percpu-split-counters': percpuSplitCounters,
  'global-spinlock': globalSpinlock,
  'global-atomic': globalAtomic,
  'atomic-bias': atomicBias,
  'percpu-ref': percpuRef,
  'percpu-dekker': percpuDekker,
  'percpu-naive-sum': percpuNaiveSum,
  'percpu-plain-local': percpuPlainLocal,
  'percpu-lost-wakeup': percpuLostWakeup,
  'percpu-early-free': percpuEarlyFree,
  'percpu-unordered-wait': percpuUnorderedWait,
  'percpu-dekker-unordered-put': percpuDekkerUnorderedPut,
  'percpu-split-unordered-sum': percpuSplitUnorderedSum,
} as const satisfies Record<string, RefcountStrategy>;

export type StrategyName = keyof typeof strategies;

export function strategyNames(): string[] {
  return Object.keys(strategies);
}

export function findStrategy(name: string): RefcountStrategy | undefined {
  return Object.hasOwn(strategies, name) ? strategies[name as StrategyName] : undefined;
}

/** The strategies meant to be correct (the flawed variants left out). */
export function soundStrategies(): RefcountStrategy[] {
  return Object.values(strategies).filter((strategy) => strategy.flaw === undefined);
}

/** The deliberately broken variants, each missing one protection. */
export function flawedStrategies(): RefcountStrategy[] {
  return Object.values(strategies).filter((strategy) => strategy.flaw !== undefined);
}
