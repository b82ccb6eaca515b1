import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runCampaign, type CampaignResult } from './campaign.js';
import { WorkerPool } from './pool.js';
import type { Equivalents } from './report.js';
import { scenarioNames } from './suite.js';

// The campaign wired to this machine: the strategies package beside this one, a worker pool,
// the wall clock. Shared by the CLI and the benchmark.

export interface Environment {
  readonly packageRoot: string;
  readonly equivalentsFile: string;
  readonly workerScript: URL;
  readonly now: () => number;
  readonly pid: number;
  readonly progress?: (line: string) => void;
}

/** Where things are when this package runs from its dist (or src) inside the monorepo. */
export function defaultEnvironment(progress?: (line: string) => void): Environment {
  return {
    packageRoot: fileURLToPath(new URL('../../../packages/refcount', import.meta.url)),
    equivalentsFile: fileURLToPath(new URL('../equivalent.json', import.meta.url)),
    workerScript: new URL('./worker.js', import.meta.url),
    now: () => performance.now(),
    pid: process.pid,
    ...(progress === undefined ? {} : { progress }),
  };
}

export function readEquivalents(file: string): Equivalents {
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as unknown;
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error(`${file}: expected an object of mutant id to reason`);
  return parsed as Equivalents;
}

export interface RunRequest {
  readonly workers: number;
  readonly strategies: readonly string[];
  readonly only: readonly string[];
  readonly seconds?: number;
  readonly limit?: number;
}

export async function mutate(request: RunRequest, environment: Environment): Promise<CampaignResult> {
  const pool = new WorkerPool(environment.workerScript, request.workers);
  try {
    return await runCampaign({
      packageRoot: environment.packageRoot,
      strategies: request.strategies,
      only: request.only,
      ...(request.limit === undefined ? {} : { limit: request.limit }),
      ...(request.seconds === undefined ? {} : { seconds: request.seconds }),
      scenarioNames: scenarioNames(),
      runJob: (job, seconds) => pool.run(job, seconds),
      lanes: request.workers,
      now: environment.now,
      runId: `r${environment.pid}`,
      ...(environment.progress === undefined ? {} : { onProgress: environment.progress }),
    });
  } finally {
    await pool.close();
  }
}
