import { Worker } from 'node:worker_threads';
import type { Job, JobResult } from './jobs.js';

// Worker threads, one job each at a time. A job past its deadline has its thread terminated
// (a mutant can loop in plain JavaScript, where no execution cap reaches) and a fresh thread
// takes its place; the job answers `undefined`, which the caller records as a timeout.

interface Slot {
  worker: Worker;
  busy: boolean;
}

interface Answer {
  readonly id: number;
  readonly result?: JobResult;
  readonly error?: string;
}

export class WorkerPool {
  private readonly slots: Slot[] = [];
  private readonly waiting: (() => void)[] = [];
  private nextId = 0;

  constructor(private readonly script: URL, size: number) {
    for (let index = 0; index < size; index++) this.slots.push({ worker: new Worker(script), busy: false });
  }

  /** The job's result, or undefined when it ran past `seconds`. */
  async run(job: Job, seconds: number): Promise<JobResult | undefined> {
    const slot = await this.acquire();
    try {
      return await this.runOn(slot, job, seconds);
    } finally {
      slot.busy = false;
      this.waiting.shift()?.();
    }
  }

  private async acquire(): Promise<Slot> {
    for (;;) {
      const free = this.slots.find((slot) => !slot.busy);
      if (free !== undefined) {
        free.busy = true;
        return free;
      }
      await new Promise<void>((resolve) => { this.waiting.push(resolve); });
    }
  }

  private runOn(slot: Slot, job: Job, seconds: number): Promise<JobResult | undefined> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const worker = slot.worker;
      const replace = (): void => {
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('error', onError);
        void worker.terminate();
        slot.worker = new Worker(this.script);
      };
      // setTimeout fires at once for a delay past 2^31-1 ms: no limit means no timer.
      const timer = Number.isFinite(seconds) ? setTimeout(() => { replace(); resolve(undefined); }, seconds * 1000) : undefined;
      const onMessage = (answer: Answer): void => {
        if (answer.id !== id) return;
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('error', onError);
        if (answer.result !== undefined) resolve(answer.result);
        else reject(new Error(answer.error ?? 'the worker answered nothing'));
      };
      // The thread died (out of memory, a crash in the mutant's code): the job fails, a new thread takes the slot.
      const onError = (error: Error): void => {
        replace();
        reject(error);
      };
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.postMessage({ id, job });
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.slots.map((slot) => slot.worker.terminate()));
  }
}
