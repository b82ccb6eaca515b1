import { parentPort } from 'node:worker_threads';
import { CheckpointError, SearchError, explore, type ExploreReport, type Subtree } from '@kmodsim/explore';
import { UsageError } from '../io.js';
import { findSuiteScenario } from '@kmodsim/scenarios';
import type { RefcountStrategy } from '@kmodsim/refcount';
import { loadStrategy } from './load-strategy.js';
import { splitterOver } from './split-channel.js';
import type { JobAnswer, PartMessage } from './worker-pool.js';

// A thread of the pool: runs the searches and parts of searches it is sent, one at a time, and
// answers each with its report; a part hands subtrees over when the pool asks, through the
// search's shared memory. Strategies are loaded once per thread (a user's file is imported once,
// not per search).

const strategies = new Map<string, Promise<RefcountStrategy>>();

async function search({ id, job, split, subtree }: PartMessage): Promise<{ report: ExploreReport; searchMs: number }> {
  const key = `${job.cwd}\0${job.strategy}`;
  let strategy = strategies.get(key);
  if (strategy === undefined) {
    strategy = loadStrategy(job.strategy, job.cwd);
    strategies.set(key, strategy);
  }
  const scenario = findSuiteScenario(job.scenario);
  if (scenario === undefined) throw new Error(`no scenario ${job.scenario}`);
  const target = { scenario: scenario.build(await strategy), cpuCount: job.cpus ?? scenario.cpuCount, memoryModel: job.memory };
  const started = performance.now();
  const onProgress = ({ executions }: { executions: number }): void => { parentPort?.postMessage({ id, progress: executions } satisfies JobAnswer); };
  const give = (handed: Subtree): void => { parentPort?.postMessage({ id, give: handed } satisfies JobAnswer); };
  const parts = { ...(split === undefined ? {} : { splitter: splitterOver(split, give) }), ...(subtree === undefined ? {} : { subtree }) };
  const report = explore(target, { ...job.search, onProgress, ...parts, ...(job.shard === undefined ? {} : { shard: job.shard }) });
  return { report, searchMs: performance.now() - started };
}

parentPort?.on('message', (message: PartMessage) => {
  const { id } = message;
  search(message).then(
    ({ report, searchMs }) => { parentPort?.postMessage({ id, report, searchMs } satisfies JobAnswer); },
    (error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      // A strategy file that does not load here (it loaded on the main thread: it was edited since,
      // or it refuses worker threads) is that strategy's failure, as a search that cannot run is.
      const ofTarget = error instanceof SearchError || error instanceof UsageError;
      parentPort?.postMessage({ id, error: message, ofTarget, diverged: error instanceof CheckpointError } satisfies JobAnswer);
    },
  );
});
