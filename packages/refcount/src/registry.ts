import { globalSpinlock } from './strategies/global-spinlock.js';
import type { RefcountStrategy } from './strategy.js';

/** Every strategy kmodsim ships, by name. */
export const strategies = {
  'global-spinlock': globalSpinlock,
} as const satisfies Record<string, RefcountStrategy>;

export type StrategyName = keyof typeof strategies;

export function strategyNames(): string[] {
  return Object.keys(strategies);
}

export function findStrategy(name: string): RefcountStrategy | undefined {
  return Object.hasOwn(strategies, name) ? strategies[name as StrategyName] : undefined;
}
