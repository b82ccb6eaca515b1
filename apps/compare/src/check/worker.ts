import { parentPort, workerData } from 'node:worker_threads';
import { explore, findSuiteScenario } from '@kmodsim/explore';
import { loadStrategy } from './load-strategy.js';
import type { WorkerTask } from './worker-pool.js';

// One shard of a search, on its own thread: rebuilds the strategy and scenario from their names
// (a strategy object cannot cross threads) and posts back its report.

const task = workerData as WorkerTask;

async function run(): Promise<void> {
  const strategy = await loadStrategy(task.strategy, task.cwd);
  const scenario = findSuiteScenario(task.scenario);
  if (scenario === undefined) throw new Error(`no scenario ${task.scenario}`);
  const report = explore({ scenario: scenario.build(strategy), cpuCount: task.cpus ?? scenario.cpuCount }, { ...task.search, shard: task.shard });
  parentPort?.postMessage({ report });
}

run().catch((error: unknown) => {
  parentPort?.postMessage({ error: error instanceof Error ? error.message : String(error) });
});
