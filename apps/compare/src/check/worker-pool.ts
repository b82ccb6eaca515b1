import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { SearchError, mergeReports, type ExploreReport } from '@kmodsim/explore';

/** One search for a worker: everything it needs to rebuild the target itself (objects cannot cross threads). */
export interface SearchJob {
  readonly strategy: string;
  readonly cwd: string;
  readonly scenario: string;
  readonly cpus: number | undefined;
  readonly search: Record<string, unknown>;
  readonly shard?: { readonly index: number; readonly count: number };
}

/**
 * A worker's answer to job `id`: its report, or why it failed; `ofTarget` when the scenario or
 * strategy searched was at fault (a SearchError, rebuilt on this side of the thread boundary).
 */
export type JobAnswer =
  | { readonly id: number; readonly report: ExploreReport; readonly searchMs: number }
  | { readonly id: number; readonly error: string; readonly ofTarget: boolean }
  /** Not an answer yet: the search has run this many executions. */
  | { readonly id: number; readonly progress: number };

/** Told a search's executions so far, as its thread reports them. */
export type OnExecutions = (executions: number) => void;

/** A search's report and its wall time on the thread that ran it (a sharded one's: its slowest shard's). */
export interface TimedReport {
  readonly report: ExploreReport;
  readonly searchMs: number | undefined;
}

interface Waiting {
  readonly id: number;
  readonly job: SearchJob;
  readonly resolve: (timed: TimedReport) => void;
  readonly reject: (error: Error) => void;
  readonly onExecutions: OnExecutions | undefined;
}

/**
 * Worker threads that stay up for the whole command and take searches from one queue, each
 * starting the next as soon as it is free: a long search on one thread does not hold up the short
 * ones behind it. Close it when done, or the threads keep the process alive.
 */
export class WorkerPool {
  private readonly idle: Worker[] = [];
  private readonly queue: Waiting[] = [];
  private readonly running = new Map<Worker, Waiting>();
  private nextId = 0;
  private closing = false;

  constructor(size: number) {
    const script = fileURLToPath(new URL('./worker.js', import.meta.url));
    for (let index = 0; index < size; index++) this.idle.push(this.startWorker(script));
  }

  /** The report of one search (a whole one, or the shard the job names). */
  search(job: SearchJob, onExecutions?: OnExecutions): Promise<TimedReport> {
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, job, resolve, reject, onExecutions });
      this.dispatch();
    });
  }

  /** One search split into as many shards as there are threads, merged. */
  async searchSharded(job: SearchJob, shards: number, onExecutions?: OnExecutions): Promise<TimedReport> {
    const counts = new Array<number>(shards).fill(0);
    const shardExecutions = (index: number) => (executions: number): void => {
      counts[index] = executions;
      onExecutions?.(counts.reduce((sum, count) => sum + count, 0));
    };
    const timed = await Promise.all(Array.from({ length: shards }, (_, index) => this.search({ ...job, shard: { index, count: shards } }, shardExecutions(index))));
    return { report: mergeReports(timed.map((shard) => shard.report)), searchMs: Math.max(...timed.map((shard) => shard.searchMs ?? 0)) };
  }

  async close(): Promise<void> {
    this.closing = true;
    const workers = [...this.idle, ...this.running.keys()];
    this.idle.length = 0;
    await Promise.all(workers.map((worker) => worker.terminate()));
  }

  private startWorker(script: string): Worker {
    const worker = new Worker(script);
    worker.on('message', (answer: JobAnswer) => { this.finish(worker, answer); });
    worker.on('error', (error) => { this.fail(worker, error); });
    // A thread that ends by itself (not closed by us) is lost as if it had failed.
    worker.on('exit', (code) => { if (!this.closing) this.fail(worker, new Error(`a worker thread exited with code ${code}`)); });
    return worker;
  }

  private dispatch(): void {
    for (let worker = this.idle.pop(); worker !== undefined; worker = this.idle.pop()) {
      const next = this.queue.shift();
      if (next === undefined) {
        this.idle.push(worker);
        return;
      }
      this.running.set(worker, next);
      worker.postMessage({ id: next.id, job: next.job });
    }
  }

  private finish(worker: Worker, answer: JobAnswer): void {
    const waiting = this.running.get(worker);
    if (waiting?.id !== answer.id) return;
    if ('progress' in answer) {
      waiting.onExecutions?.(answer.progress);
      return;
    }
    this.running.delete(worker);
    this.idle.push(worker);
    if ('report' in answer) waiting.resolve({ report: answer.report, searchMs: answer.searchMs });
    else waiting.reject(answer.ofTarget ? new SearchError(answer.error) : new Error(answer.error));
    this.dispatch();
  }

  /** A thread that died takes its search with it; the others go on. */
  private fail(worker: Worker, error: Error): void {
    const waiting = this.running.get(worker);
    this.running.delete(worker);
    const idleAt = this.idle.indexOf(worker);
    if (idleAt >= 0) this.idle.splice(idleAt, 1);
    waiting?.reject(error);
    if (this.idle.length === 0 && this.running.size === 0) {
      for (const queued of this.queue.splice(0)) queued.reject(new Error(`every worker thread failed: ${error.message}`));
    }
  }
}
