import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { CompareIo } from '../io.js';
import type { CostReport } from '../cost/cost-report.js';
import { prepareCost } from '../cost/cost.js';
import type { CostRequest } from '../cost/options.js';
import type { CostSource } from './cost-source.js';

/** What the pricing thread is given, and what it answers. */
export interface CostJob {
  readonly request: CostRequest;
  readonly cwd: string;
}
export type CostAnswer = { readonly report: CostReport } | { readonly error: string };

const WORKER = new URL('./cost-worker.js', import.meta.url);

/**
 * cost's own pricing, on a thread of its own: the report starts it before its searches, so on a
 * machine with a second core the prices cost no wall time of their own. cost reads the options
 * first, here, so a bad one is a usage error before anything runs. Run from the TypeScript
 * sources (no built worker beside this file), it prices on this thread instead.
 */
export const costOnThread: CostSource = {
  prepare: async (request: CostRequest, io: CompareIo) => {
    const priceHere = await prepareCost(request, { cwd: io.cwd, stderr: io.stderr });
    if (!existsSync(fileURLToPath(WORKER))) return priceHere;
    return () => priceOnThread({ request, cwd: io.cwd });
  },
};

function priceOnThread(job: CostJob): Promise<CostReport> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER, { workerData: job });
    worker.once('message', (answer: CostAnswer) => {
      if ('report' in answer) resolve(answer.report);
      else reject(new Error(answer.error));
    });
    worker.once('error', reject);
    worker.once('exit', (code) => { reject(new Error(`the pricing thread exited with code ${code} before it answered`)); });
  });
}
