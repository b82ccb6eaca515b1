import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCampaign, type CampaignResult } from './campaign.js';
import { WorkerPool } from './pool.js';
import { removeStaleSandboxes } from './sandbox.js';
import { readEquivalents } from './equivalents.js';
import type { MutantOutcome, PlannedPair } from './run.js';
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

export interface RunRequest {
  readonly workers: number;
  readonly strategies: readonly string[];
  readonly only: readonly string[];
  readonly seconds?: number;
  readonly limit?: number;
  /** A file keeping the originals' verdicts between campaigns (see baselineCache). */
  readonly baselineFile?: string;
  /** Run the mutants recorded as equivalent too, to see whether one is killed after all. */
  readonly recheckEquivalents?: boolean;
  /** A file keeping each mutant's outcome as it finishes, so that a campaign cut short goes on (see resultsCache). */
  readonly resultsFile?: string;
}

/**
 * The strategies' sources, hashed: a cached baseline is used only for the sources it was made
 * from. The suite is not in the key (it lives in another package): delete the file when the
 * suite changes.
 */
function sourcesKey(packageRoot: string): string {
  const hash = createHash('sha256');
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (entry.isDirectory()) walk(join(dir, entry.name));
      else if (entry.name.endsWith('.ts')) hash.update(entry.name).update(readFileSync(join(dir, entry.name)));
    }
  };
  walk(join(packageRoot, 'src'));
  return hash.digest('hex').slice(0, 16);
}

function baselineCache(file: string, packageRoot: string) {
  const key = sourcesKey(packageRoot);
  return {
    read: (): readonly PlannedPair[] => {
      if (!existsSync(file)) return [];
      const stored = JSON.parse(readFileSync(file, 'utf8')) as { key?: string; pairs?: PlannedPair[] };
      return stored.key === key ? (stored.pairs ?? []) : [];
    },
    write: (pairs: readonly PlannedPair[]): void => { writeFileSync(file, `${JSON.stringify({ key, pairs }, null, 1)}\n`); },
  };
}

/**
 * Outcomes kept one JSON line per mutant, appended as each finishes, each stamped with the
 * strategies' sources: lines of other sources are ignored. The suite is not in the stamp, as for
 * the baseline: delete the file when the suite changes.
 */
function resultsCache(file: string, packageRoot: string) {
  const key = sourcesKey(packageRoot);
  return {
    read: (): ReadonlyMap<string, MutantOutcome> => {
      const kept = new Map<string, MutantOutcome>();
      if (!existsSync(file)) return kept;
      for (const line of readFileSync(file, 'utf8').split('\n')) {
        if (line === '') continue;
        try {
          const stored = JSON.parse(line) as { key?: string; id?: string; outcome?: MutantOutcome };
          if (stored.key === key && typeof stored.id === 'string' && stored.outcome !== undefined) kept.set(stored.id, stored.outcome);
        } catch {
          // A line cut short by a campaign killed as it wrote: that mutant runs again.
        }
      }
      return kept;
    },
    add: (id: string, outcome: MutantOutcome): void => { appendFileSync(file, `${JSON.stringify({ key, id, outcome })}\n`); },
  };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, owned by someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function mutate(request: RunRequest, environment: Environment): Promise<CampaignResult> {
  removeStaleSandboxes(environment.packageRoot, isAlive);
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
      ...(request.baselineFile === undefined ? {} : { baselineCache: baselineCache(request.baselineFile, environment.packageRoot) }),
      equivalents: readEquivalents(environment.equivalentsFile),
      recheckEquivalents: request.recheckEquivalents === true,
      ...(request.resultsFile === undefined ? {} : { resultsCache: resultsCache(request.resultsFile, environment.packageRoot) }),
    });
  } finally {
    await pool.close();
  }
}
