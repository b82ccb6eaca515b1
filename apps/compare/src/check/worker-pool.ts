import { fileURLToPath } from 'node:url';
import type { MemoryModelName } from '@kmodsim/cpu';
import { Worker } from 'node:worker_threads';
import { EXPLORE_DEFAULTS, SearchError, mergeReports, type ExploreOptions, type ExploreReport, type Subtree } from '@kmodsim/explore';
import { newSplitMemory, SplitControl, type SplitMemory } from './split-channel.js';

/** One search for a worker: everything it needs to rebuild the target itself (objects cannot cross threads). */
export interface SearchJob {
  readonly strategy: string;
  readonly cwd: string;
  readonly scenario: string;
  readonly cpus: number | undefined;
  /** The machine's memory model. */
  readonly memory: MemoryModelName;
  readonly search: ExploreOptions;
  readonly shard?: { readonly index: number; readonly count: number };
}

/** What a thread is sent: a search's first part (the whole of it, unless it hands subtrees over), or a subtree of it. */
export interface PartMessage {
  readonly id: number;
  readonly job: SearchJob;
  /** Present when the search may be split between threads. */
  readonly split?: SplitMemory;
  readonly subtree?: Subtree;
}

/**
 * A thread's answer about part `id`: its report, or why it failed (`ofTarget` when the scenario or
 * strategy searched was at fault: a SearchError, rebuilt on this side of the thread boundary).
 */
export type JobAnswer =
  | { readonly id: number; readonly report: ExploreReport; readonly searchMs: number }
  /** `diverged`: a part of a split search whose checkpoint did not put everything back (the pool searches the whole again, unsplit, afresh). */
  | { readonly id: number; readonly error: string; readonly ofTarget: boolean; readonly diverged: boolean }
  /** Not an answer yet: the part has run this many executions. */
  | { readonly id: number; readonly progress: number }
  /** Not an answer yet: the part hands this subtree to a thread that asked for work. */
  | { readonly id: number; readonly give: Subtree };

/** Told a search's executions so far, all its parts together. */
export type OnExecutions = (executions: number) => void;

/** A search's report and its wall time, from its first part's start to its last part's end. */
export interface TimedReport {
  readonly report: ExploreReport;
  readonly searchMs: number | undefined;
}

/** One search of the pool: its parts on threads, subtrees waiting for a thread, threads waiting for a subtree. */
interface PoolSearch {
  readonly job: SearchJob;
  readonly resolve: (timed: TimedReport) => void;
  readonly reject: (error: Error) => void;
  readonly onExecutions: OnExecutions | undefined;
  readonly memory: SplitMemory | undefined;
  readonly control: SplitControl | undefined;
  readonly reports: ExploreReport[];
  readonly partExecutions: Map<number, number>;
  readonly subtrees: Subtree[];
  readonly waiting: Worker[];
  parts: number;
  startedMs: number;
  failure: Error | undefined;
  /** Why a part's checkpoint diverged: the search is then run again whole, unsplit, booting afresh. */
  diverged: string | undefined;
  stopped: boolean;
}

/**
 * Worker threads that stay up for the whole command and take searches from one queue, each
 * starting the next as soon as it is free. When the queue is empty a free thread steals: it asks
 * a running search for a subtree (see @kmodsim/explore's work-split.ts), so one long search uses
 * every thread, and the search's parts split again as threads free up. Close it when done, or the
 * threads keep the process alive.
 */
export class WorkerPool {
  private readonly idle: Worker[] = [];
  private readonly queue: PoolSearch[] = [];
  private readonly running = new Map<Worker, { readonly id: number; readonly search: PoolSearch }>();
  private readonly searches = new Set<PoolSearch>();
  private nextId = 0;
  private closing = false;

  private readonly gone = new WeakSet<Worker>();
  /** The strategies each thread has run: a thread that dies is ended by code of one of them, maybe not the pair it was on. */
  private readonly ran = new WeakMap<Worker, Set<string>>();
  private readonly script = fileURLToPath(new URL('./worker.js', import.meta.url));

  constructor(size: number) {
    for (let index = 0; index < size; index++) this.idle.push(this.startWorker(this.script));
  }

  /** The report of one search (a whole one, or the shard the job names), split between threads as they free up. */
  search(job: SearchJob, onExecutions?: OnExecutions): Promise<TimedReport> {
    return new Promise((resolve, reject) => {
      const memory = splittable(job) ? newSplitMemory(job.search.maxExecutions ?? EXPLORE_DEFAULTS.maxExecutions) : undefined;
      this.queue.push(poolSearch(job, { resolve, reject, onExecutions }, memory));
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    const workers = [...this.idle, ...this.running.keys(), ...[...this.searches].flatMap((search) => search.waiting)];
    this.idle.length = 0;
    await Promise.all(workers.map((worker) => worker.terminate()));
  }

  private startWorker(script: string): Worker {
    const worker = new Worker(script);
    worker.on('message', (answer: JobAnswer) => { this.answer(worker, answer); });
    worker.on('error', (error) => { this.fail(worker, error); });
    // A thread that ends by itself (not closed by us) is lost as if it had failed.
    worker.on('exit', (code) => { if (!this.closing) this.fail(worker, new Error(`a worker thread exited with code ${code}`)); });
    return worker;
  }

  /** Free threads take subtrees handed over first, then queued searches, then ask the largest running search for a subtree. */
  private dispatch(): void {
    for (let worker = this.idle.pop(); worker !== undefined; worker = this.idle.pop()) {
      const handedOver = [...this.searches].find((search) => !search.stopped && search.subtrees.length > 0);
      if (handedOver !== undefined) {
        this.startPart(worker, handedOver, handedOver.subtrees.shift());
        continue;
      }
      const next = this.queue.shift();
      if (next !== undefined) {
        next.startedMs = performance.now();
        this.searches.add(next);
        this.startPart(worker, next, undefined);
        continue;
      }
      const donor = this.largestSplittable();
      if (donor?.control === undefined) {
        this.idle.push(worker);
        return;
      }
      donor.waiting.push(worker);
      donor.control.want();
    }
  }

  private largestSplittable(): PoolSearch | undefined {
    let largest: PoolSearch | undefined;
    for (const search of this.searches) {
      if (search.control === undefined || search.stopped || search.parts === 0) continue;
      if (largest === undefined || executionsOf(search) > executionsOf(largest)) largest = search;
    }
    return largest;
  }

  private startPart(worker: Worker, search: PoolSearch, subtree: Subtree | undefined): void {
    const id = this.nextId++;
    search.parts++;
    const ran = this.ran.get(worker) ?? new Set<string>();
    ran.add(search.job.strategy);
    this.ran.set(worker, ran);
    this.running.set(worker, { id, search });
    const message: PartMessage = { id, job: search.job, ...(search.memory === undefined ? {} : { split: search.memory }), ...(subtree === undefined ? {} : { subtree }) };
    worker.postMessage(message);
  }

  private answer(worker: Worker, answer: JobAnswer): void {
    const part = this.running.get(worker);
    if (part?.id !== answer.id) return;
    const { search } = part;
    if ('progress' in answer) {
      search.partExecutions.set(answer.id, answer.progress);
      search.onExecutions?.(executionsOf(search));
      return;
    }
    if ('give' in answer) {
      search.subtrees.push(answer.give);
      this.handOver(search);
      return;
    }
    this.running.delete(worker);
    search.parts--;
    if ('report' in answer) {
      search.reports.push(answer.report);
      search.partExecutions.set(answer.id, answer.report.counts.executions);
      if (answer.report.violations.length > 0 && (search.job.search.stopAtFirstViolation ?? true)) this.stop(search);
    } else {
      if (answer.diverged) search.diverged ??= answer.error;
      else search.failure ??= answer.ofTarget ? new SearchError(answer.error) : new Error(answer.error);
      this.stop(search);
    }
    this.idle.push(worker);
    this.settle(search);
    this.dispatch();
  }

  /** Subtrees handed over go to the threads that asked for them. */
  private handOver(search: PoolSearch): void {
    while (!search.stopped && search.subtrees.length > 0 && search.waiting.length > 0) {
      const worker = search.waiting.shift();
      const subtree = search.subtrees.shift();
      if (worker !== undefined && subtree !== undefined) this.startPart(worker, search, subtree);
    }
  }

  private stop(search: PoolSearch): void {
    search.stopped = true;
    search.control?.stop();
  }

  /**
   * A split search whose checkpoint diverged, searched again whole on one thread, every execution
   * booted afresh (as explore() does by itself when unsplit), its report saying why.
   */
  private searchAfresh(split: PoolSearch, why: string): void {
    const job = { ...split.job, search: { ...split.job.search, checkpoints: false } };
    const resolve = ({ report, searchMs }: TimedReport): void => {
      split.resolve({ report: { ...report, bootedAfresh: { reason: 'diverged', why } }, searchMs: searchMs === undefined ? undefined : performance.now() - split.startedMs });
    };
    this.queue.unshift(poolSearch(job, { resolve, reject: split.reject, onExecutions: split.onExecutions }, undefined));
  }

  /** A search with no part running and nothing left to hand over is done: its waiting threads go back to the pool. */
  private settle(search: PoolSearch): void {
    this.handOver(search);
    if (search.parts > 0 || (!search.stopped && search.subtrees.length > 0)) return;
    search.control?.unwantAll();
    this.idle.push(...search.waiting.splice(0));
    this.searches.delete(search);
    if (search.failure === undefined && search.diverged !== undefined) this.searchAfresh(search, search.diverged);
    else if (search.failure !== undefined) search.reject(search.failure);
    else search.resolve({ report: mergeReports(search.reports), searchMs: performance.now() - search.startedMs });
  }

  /**
   * A thread that died takes its part with it, and so the search it was part of (an error of that
   * pair: its strategy's code may have killed it); a new thread takes its place, and the others go on.
   */
  private fail(worker: Worker, error: Error): void {
    // A thread's error is followed by its exit: one death, handled once.
    if (this.closing || this.gone.has(worker)) return;
    this.gone.add(worker);
    const part = this.running.get(worker);
    this.running.delete(worker);
    const idleAt = this.idle.indexOf(worker);
    if (idleAt >= 0) this.idle.splice(idleAt, 1);
    for (const search of this.searches) {
      const waitingAt = search.waiting.indexOf(worker);
      if (waitingAt < 0) continue;
      search.waiting.splice(waitingAt, 1);
      search.control?.unwantOne();
    }
    void worker.terminate();
    this.idle.push(this.startWorker(this.script));
    if (part !== undefined) {
      part.search.parts--;
      const suspects = [...(this.ran.get(worker) ?? [])].join(', ');
      part.search.failure ??= new SearchError(`a worker thread died while searching it: ${error.message} (the thread had run ${suspects}: the code of any of them may have ended it)`);
      this.stop(part.search);
      this.settle(part.search);
    }
    this.dispatch();
  }

}

/** A search not yet started, with what its caller waits on; `memory` when it may be split. */
function poolSearch(job: SearchJob, caller: Pick<PoolSearch, 'resolve' | 'reject' | 'onExecutions'>, memory: SplitMemory | undefined): PoolSearch {
  return {
    job, ...caller, memory, control: memory === undefined ? undefined : new SplitControl(memory),
    reports: [], partExecutions: new Map(), subtrees: [], waiting: [], parts: 0, startedMs: 0, failure: undefined, diverged: undefined, stopped: false,
  };
}

/** Only an exhaustive search by partial-order reduction of its own (not a shard, not counting traces) can hand subtrees over. */
function splittable(job: SearchJob): boolean {
  return (job.search.mode ?? 'exhaustive') === 'exhaustive' && job.shard === undefined && job.search.countTraces !== true && job.search.stateCaching !== true;
}

function executionsOf(search: PoolSearch): number {
  let executions = 0;
  for (const count of search.partExecutions.values()) executions += count;
  return executions;
}
