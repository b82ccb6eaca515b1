import { parentPort, workerData } from 'node:worker_threads';
import { prepareCost } from '../cost/cost.js';
import type { CostAnswer, CostJob } from './cost-thread.js';

// The report's pricing thread: cost's pricing of the report's strategies, answered once.

async function price(job: CostJob): Promise<CostAnswer> {
  try {
    const priced = await prepareCost(job.request, { cwd: job.cwd, stderr: { write: () => undefined } });
    return { report: await priced() };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}

parentPort?.postMessage(await price(workerData as CostJob));
