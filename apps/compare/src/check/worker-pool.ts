import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { mergeReports, type ExploreReport } from '@kmodsim/explore';

/** What one worker is asked to search: everything it needs to rebuild the target itself. */
export interface WorkerTask {
  readonly strategy: string;
  readonly cwd: string;
  readonly scenario: string;
  readonly cpus: number | undefined;
  readonly search: Record<string, unknown>;
  readonly shard: { readonly index: number; readonly count: number };
}

/** Runs the shards of one search on worker threads and merges their reports. */
export async function searchWithWorkers(base: Omit<WorkerTask, 'shard'>, workers: number): Promise<ExploreReport> {
  const script = fileURLToPath(new URL('./worker.js', import.meta.url));
  const reports = await Promise.all(
    Array.from({ length: workers }, (_, index) => runWorker(script, { ...base, shard: { index, count: workers } })),
  );
  return mergeReports(reports);
}

function runWorker(script: string, task: WorkerTask): Promise<ExploreReport> {
  return new Promise((resolvePromise, reject) => {
    const worker = new Worker(script, { workerData: task });
    worker.once('message', (message: { report?: ExploreReport; error?: string }) => {
      if (message.report !== undefined) resolvePromise(message.report);
      else reject(new Error(message.error ?? 'worker failed'));
    });
    worker.once('error', reject);
  });
}
