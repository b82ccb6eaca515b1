import type { BenchmarkLine } from '@kmodsim/bench';
import { percpuStopMachine, soundStrategies, type RefcountStrategy } from '@kmodsim/refcount';
import { getPutCost, unloadCost, type CostResult } from '../src/index.js';

// Simulated cycles are exact and deterministic, so these figures need no repetition: they are
// what the cost model charges for the operations at each machine size. The seed's design keeps
// the benchmark names (module.get_put, module.unload); every other sound strategy is
// measured the same way for contrast, under the name with its own appended. The pricing is the
// library's (src/costs), which `kmodsim-compare cost` uses too; these keep the generic profile
// and two timed pairs, as they always have, so their history stays comparable.

const CPU_COUNTS = [1, 4, 64, 1024] as const;
const PROFILE = 'generic';
// Few pairs: a contended lock makes every CPU spin through every hand-off, so steps grow with the square of the CPUs.
const TIMED_PAIRS_PER_CPU = 2;

type Figures = Record<string, number>;

function benchName(base: string, strategy: RefcountStrategy): string {
  return strategy.name === percpuStopMachine.name ? base : `${base}.${strategy.name}`;
}

/** A sound strategy's figure, which it always has: a failure here is a broken build. */
function figure<T>(result: CostResult<T>): T {
  if (!result.ok) throw new Error(result.message);
  return result.value;
}

/** module.get_put: cycles per try_module_get + module_put at 1..1024 CPUs; the ratio is 1024 CPUs against 1. */
export function benchGetPut(): BenchmarkLine[] {
  return soundStrategies().map((strategy) => {
    const steady: Figures = {};
    const firstPair: Figures = {};
    for (const cpuCount of CPU_COUNTS) {
      const cost = figure(getPutCost(strategy, { cpuCount, profile: PROFILE, timedPairs: TIMED_PAIRS_PER_CPU }));
      steady[`cpus${cpuCount}`] = round(cost.steadyCycles);
      firstPair[`cpus${cpuCount}`] = round(cost.firstPairCycles);
    }
    return scalingLine('module.get_put', strategy, 'cycles per get+put at 1024 CPUs, every CPU getting and putting the same module', steady, {
      firstPair,
      goal: strategy.name === percpuStopMachine.name ? '<= 1.1' : 'none (for contrast)',
    });
  });
}

/** module.unload: cycles for an unload at 1..1024 CPUs, and how long the other CPUs were stopped for it. */
export function benchUnload(): BenchmarkLine[] {
  return soundStrategies().map((strategy) => {
    const figures: Figures = {};
    const othersStoppedMax: Figures = {};
    const othersStoppedMean: Figures = {};
    const othersIrqsOffMax: Figures = {};
    for (const cpuCount of CPU_COUNTS) {
      const cost = figure(unloadCost(strategy, { cpuCount, profile: PROFILE }));
      const key = `cpus${cpuCount}`;
      figures[key] = cost.cycles;
      othersStoppedMax[key] = round(cost.othersStoppedMax);
      othersStoppedMean[key] = round(cost.othersStoppedMean);
      othersIrqsOffMax[key] = round(cost.othersIrqsOffMax);
    }
    return scalingLine('module.unload', strategy, 'cycles per unload of an unused module at 1024 CPUs', figures, { othersStoppedMax, othersStoppedMean, othersIrqsOffMax });
  });
}

/** One benchmark line: the figure at 1024 CPUs against the one at 1, with every size's figure beside them. */
function scalingLine(base: string, strategy: RefcountStrategy, unit: string, figures: Figures, extra: Readonly<Record<string, unknown>>): BenchmarkLine {
  const at1 = figures['cpus1'] ?? 0;
  const at1024 = figures['cpus1024'] ?? 0;
  return { name: benchName(base, strategy), value: at1024, unit, baseline: at1, ratio: round(at1024 / at1), strategy: strategy.name, ...figures, ...extra };
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
