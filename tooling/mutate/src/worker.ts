import { parentPort } from 'node:worker_threads';
import { runJob, type Job } from './jobs.js';

// A thread of the pool: runs the jobs it is sent, one at a time.

parentPort?.on('message', ({ id, job }: { id: number; job: Job }) => {
  runJob(job).then(
    (result) => { parentPort?.postMessage({ id, result }); },
    (error: unknown) => { parentPort?.postMessage({ id, error: error instanceof Error ? error.message : String(error) }); },
  );
});
