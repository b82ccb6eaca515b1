import { parentPort } from 'node:worker_threads';
import { SearchError, explore, type ExploreReport } from '@kmodsim/explore';
import { findSuiteScenario } from '@kmodsim/scenarios';
import type { RefcountStrategy } from '@kmodsim/refcount';
import { loadStrategy } from './load-strategy.js';
import type { JobAnswer, SearchJob } from './worker-pool.js';

// A thread of the pool: runs the searches it is sent, one at a time, and answers each with its
// report. Strategies are loaded once per thread (a user's file is imported once, not per search).

const strategies = new Map<string, Promise<RefcountStrategy>>();

async function search(id: number, job: SearchJob): Promise<{ report: ExploreReport; searchMs: number }> {
  const key = `${job.cwd}\0${job.strategy}`;
  let strategy = strategies.get(key);
  if (strategy === undefined) {
    strategy = loadStrategy(job.strategy, job.cwd);
    strategies.set(key, strategy);
  }
  const scenario = findSuiteScenario(job.scenario);
  if (scenario === undefined) throw new Error(`no scenario ${job.scenario}`);
  const target = { scenario: scenario.build(await strategy), cpuCount: job.cpus ?? scenario.cpuCount };
  const started = performance.now();
  const onProgress = ({ executions }: { executions: number }): void => { parentPort?.postMessage({ id, progress: executions } satisfies JobAnswer); };
  const report = explore(target, { ...job.search, onProgress, ...(job.shard === undefined ? {} : { shard: job.shard }) });
  return { report, searchMs: performance.now() - started };
}

parentPort?.on('message', ({ id, job }: { id: number; job: SearchJob }) => {
  search(id, job).then(
    ({ report, searchMs }) => { parentPort?.postMessage({ id, report, searchMs } satisfies JobAnswer); },
    (error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      parentPort?.postMessage({ id, error: message, ofTarget: error instanceof SearchError } satisfies JobAnswer);
    },
  );
});
