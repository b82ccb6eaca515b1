import type { BenchmarkLine } from '@kmodsim/bench';
import { explore, type ExploreOptions } from '@kmodsim/explore';
import { findStrategy } from '@kmodsim/refcount';
import { findSuiteScenario } from '../src/index.js';

// explore.shards: what `--shard i/2` costs across two machines with no word between them, on clean
// pairs searched to the end at their documented bounds. value = executions of both shards
// together against one whole search (issue 19's goal: at most 1.10, a tenth repeated); the
// larger shard's share of the whole says how much sooner two machines finish than one. Counts,
// not times: the same on every machine.

const PAIRS = [
  ['percpu-stop-machine', 'unload-vs-get'],
  ['percpu-stop-machine', 'wait-vs-last-put'],
  ['percpu-split-counters', 'unload-vs-get'],
  ['percpu-dekker', 'wait-vs-last-put'],
  ['global-atomic', 'unload-vs-get'],
] as const;

const SHARDS = 2;

export function benchShards(): BenchmarkLine {
  let whole = 0;
  let both = 0;
  let largest = 0;
  const pairs: Record<string, { whole: number; shards: number[] }> = {};
  for (const [strategyName, scenarioName] of PAIRS) {
    const strategy = findStrategy(strategyName);
    const suiteScenario = findSuiteScenario(scenarioName);
    if (strategy === undefined || suiteScenario === undefined) throw new Error(`explore.shards: no pair ${strategyName} on ${scenarioName}`);
    const target = { scenario: suiteScenario.build(strategy), cpuCount: suiteScenario.cpuCount };
    // As `kmodsim-compare check` searches: sleep sets, the bound raised from 0, stopping at a violation (none here).
    const options: ExploreOptions = { ...suiteScenario.bounds, sleepSets: true };
    const executions = (shard?: { index: number; count: number }): number => {
      const report = explore(target, shard === undefined ? options : { ...options, shard });
      if (!report.counts.exhausted || report.violations.length > 0) throw new Error(`explore.shards: ${strategyName} on ${scenarioName} is not a clean, exhausted search`);
      return report.counts.executions;
    };
    const one = executions();
    const shards = Array.from({ length: SHARDS }, (_, index) => executions({ index, count: SHARDS }));
    pairs[`${strategyName}/${scenarioName}`] = { whole: one, shards };
    whole += one;
    both += shards.reduce((sum, count) => sum + count, 0);
    largest += Math.max(...shards);
  }
  return {
    name: 'explore.shards', value: both, unit: 'executions in 2 shards', baseline: whole, ratio: Math.round((both / whole) * 1000) / 1000,
    largestShare: Math.round((largest / whole) * 1000) / 1000, pairs, goal: 'ratio <= 1.10 (issue 19)',
    note: 'baseline = executions of one whole search of the same pairs; largestShare = the larger shard of each pair, summed, against the whole',
  };
}
