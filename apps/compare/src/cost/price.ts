import type { RefcountStrategy } from '@kmodsim/refcount';
import { getPutCost, MODULES_IN_TREE, refcountMemory, unloadCost, waitReleaseCost, type CostMachineOptions, type CostResult, type GetPutCost } from '@kmodsim/scenarios';
import type { CoherencePoint, CostPoint, CostSeries, CostWorkload, MemoryPoint, StrategyCost } from './cost-report.js';

// One strategy priced at one machine size by the library's runs (@kmodsim/scenarios' costs), and
// its sizes put into the report's shape. Any run the strategy's code faults in makes the whole
// strategy an ERROR with that run's reason: figures from a design that faults price a broken kernel.

/** Every workload's cycles at one machine size; undefined where the workload does not apply. */
type SizeFigures = Partial<Record<CostWorkload, number>>;

/** What one machine size's runs found. */
export interface SizePrices {
  readonly cycles: SizeFigures;
  readonly coherenceShare: number;
  readonly stopsMachine: boolean;
  readonly waited: boolean;
  readonly memory: { readonly bytesPerModule: number };
}

/** The series in the order the tables print them. */
const WORKLOADS: readonly CostWorkload[] = ['get-put', 'get-put-quarter', 'get-put-one', 'unload', 'others-stopped', 'irqs-off', 'wait-release'];

/** One strategy's cost from its runs at each size, in ascending order of size: an ERROR with the first failure, if one failed. */
export function strategyCost(name: string, runs: readonly { readonly cpus: number; readonly result: CostResult<SizePrices> }[], ghz: number): StrategyCost {
  const sizes: { cpus: number; prices: SizePrices }[] = [];
  for (const { cpus, result } of runs) {
    if (!result.ok) return { strategy: name, ok: false, error: result.message };
    sizes.push({ cpus, prices: result.value });
  }
  const series: CostSeries[] = [];
  for (const workload of WORKLOADS) {
    const points: CostPoint[] = sizes.flatMap(({ cpus, prices }) => {
      const cycles = prices.cycles[workload];
      return cycles === undefined ? [] : [{ cpus, cycles, ns: nanoseconds(cycles, ghz) }];
    });
    if (points.length > 0) series.push({ workload, points });
  }
  const coherence: CoherencePoint[] = sizes.map(({ cpus, prices }) => ({ cpus, share: prices.coherenceShare }));
  const memory: MemoryPoint[] = sizes.map(({ cpus, prices }) => ({ cpus, bytesPerModule: prices.memory.bytesPerModule, bytesForTree: prices.memory.bytesPerModule * MODULES_IN_TREE }));
  return {
    strategy: name,
    ok: true,
    stopsMachine: sizes.some(({ prices }) => prices.stopsMachine),
    waitsForUsers: sizes.every(({ prices }) => prices.waited),
    series,
    coherence,
    memory,
  };
}

/** Cycles over the profile's clock, to the picosecond: the figure is exact, its last digits are not worth printing. */
export function nanoseconds(cycles: number, ghz: number): number {
  return Math.round((cycles / ghz) * 1000) / 1000;
}

/** Every run at one machine size, the first failure ending them. */
export function priceSize(strategy: RefcountStrategy, machine: CostMachineOptions): CostResult<SizePrices> {
  const contention = getPutCurve(strategy, machine);
  if (!contention.ok) return contention;
  const unload = unloadCost(strategy, machine);
  if (!unload.ok) return unload;
  const release = waitReleaseCost(strategy, machine);
  if (!release.ok) return release;
  const memory = refcountMemory(strategy, machine);
  if (!memory.ok) return memory;
  const [all, quarter, one] = contention.value;
  return {
    ok: true,
    value: {
      cycles: {
        'get-put': all.steadyCycles,
        'get-put-quarter': quarter.steadyCycles,
        'get-put-one': one.steadyCycles,
        unload: unload.value.cycles,
        'others-stopped': unload.value.othersStoppedMax,
        'irqs-off': unload.value.othersIrqsOffMax,
        ...(release.value.waited ? { 'wait-release': release.value.releaseCycles } : {}),
      },
      coherenceShare: all.coherenceShare,
      stopsMachine: unload.value.stopsMachine,
      waited: release.value.waited,
      memory: memory.value,
    },
  };
}

/**
 * get+put with all, a quarter (at least one) and one of the CPUs active. Where two of them are
 * the same run (a quarter of 4 CPUs is one), it runs once: the figures are exact, so the second
 * run could only repeat the first.
 */
function getPutCurve(strategy: RefcountStrategy, machine: CostMachineOptions): CostResult<readonly [GetPutCost, GetPutCost, GetPutCost]> {
  const actives = [machine.cpuCount, Math.max(1, Math.floor(machine.cpuCount / 4)), 1] as const;
  const byActive = new Map<number, GetPutCost>();
  for (const active of actives) {
    if (byActive.has(active)) continue;
    const cost = getPutCost(strategy, { ...machine, activeCpuCount: active });
    if (!cost.ok) return cost;
    byActive.set(active, cost.value);
  }
  const [all, quarter, one] = actives.map((active) => byActive.get(active));
  if (all === undefined || quarter === undefined || one === undefined) throw new Error('a get+put run went missing');
  return { ok: true, value: [all, quarter, one] };
}
