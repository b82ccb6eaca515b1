import type { ExecutionContext, KernelCode } from '@kmodsim/cpu';
import type { ModuleRefcount, RefcountStrategy, StopOutcome, UnloadFlags } from '@kmodsim/refcount';
import type { CallerContext, ContractCell, ContractMethod, UnloadPhase } from '../contract.js';

// Watches a strategy at work and says which cells of the contract table a run reached: which
// method another task was inside while the unloading task was in which phase. It wraps the
// strategy without adding a single operation, so the run it watches is the run a check searches.

export interface ContractObservation extends ContractCell {
  readonly module: string;
}

interface InFlight {
  readonly method: ContractMethod;
  readonly context: CallerContext;
}

function contextOf(self: ExecutionContext): CallerContext {
  if (self.inIrq) return 'irq';
  return self.preemptCount > 0 || self.irqsDisabled ? 'preempt-off' : 'preemptible';
}

/** One module's count, watched: the phase its unloader is in, and the calls in flight. */
class WatchedRefcount implements ModuleRefcount {
  private phase: UnloadPhase | undefined;
  private stopped = false;
  private unloaderPid = 0;
  private readonly inFlight = new Set<InFlight>();

  constructor(private readonly inner: ModuleRefcount, private readonly name: string, private readonly sink: (observation: ContractObservation) => void) {}

  tryGet(self: ExecutionContext): KernelCode<boolean> {
    return this.watchCall('tryGet', self, this.inner.tryGet(self));
  }

  get(self: ExecutionContext): KernelCode<void> {
    return this.watchCall('get', self, this.inner.get(self));
  }

  put(self: ExecutionContext): KernelCode<void> {
    return this.watchCall('put', self, this.inner.put(self));
  }

  count(): number {
    return this.inner.count();
  }

  *stop(self: ExecutionContext, flags: UnloadFlags): KernelCode<StopOutcome> {
    this.stopped = true;
    return yield* this.inPhase('stop', self, this.inner.stop(self, flags));
  }

  waitForZero(self: ExecutionContext): KernelCode<void> {
    return this.inPhase(this.stopped ? 'wait' : 'init-wait', self, this.inner.waitForZero(self));
  }

  beforeFree(self: ExecutionContext): KernelCode<void> {
    return this.inPhase(this.stopped ? 'before-free' : 'init-free', self, this.inner.beforeFree(self));
  }

  /** Releasing the count's memory is the last of freeing: calls still in flight then count as before-free. */
  release(self: ExecutionContext): KernelCode<void> {
    return this.inPhase(this.stopped ? 'before-free' : 'init-free', self, this.inner.release(self));
  }

  private *inPhase<T>(phase: UnloadPhase, self: ExecutionContext, body: KernelCode<T>): KernelCode<T> {
    this.phase = phase;
    this.unloaderPid = self.pid;
    for (const call of this.inFlight) this.observe(call.method, call.context);
    try {
      return yield* body;
    } finally {
      this.phase = undefined;
    }
  }

  private *watchCall<T>(method: ContractMethod, self: ExecutionContext, body: KernelCode<T>): KernelCode<T> {
    // The unloader's own calls (a failed init dropping the loader's reference) are not another task's.
    if (self.pid === this.unloaderPid && !self.inIrq) return yield* body;
    const call: InFlight = { method, context: contextOf(self) };
    this.inFlight.add(call);
    if (this.phase !== undefined) this.observe(method, call.context);
    try {
      return yield* body;
    } finally {
      this.inFlight.delete(call);
    }
  }

  private observe(method: ContractMethod, context: CallerContext): void {
    if (this.phase !== undefined) this.sink({ module: this.name, method, phase: this.phase, context });
  }

  /** What it has seen so far, copied: the machine keeps it, so a rewind to a checkpoint puts it back. */
  save(): WatchSave {
    return { phase: this.phase, stopped: this.stopped, unloaderPid: this.unloaderPid, inFlight: [...this.inFlight] };
  }

  load(saved: WatchSave): void {
    this.phase = saved.phase;
    this.stopped = saved.stopped;
    this.unloaderPid = saved.unloaderPid;
    this.inFlight.clear();
    for (const call of saved.inFlight) this.inFlight.add(call);
  }
}

interface WatchSave {
  readonly phase: UnloadPhase | undefined;
  readonly stopped: boolean;
  readonly unloaderPid: number;
  readonly inFlight: readonly InFlight[];
}

/** The strategy, with every module's count watched; `sink` hears each cell as it is reached. */
export function recordingStrategy(strategy: RefcountStrategy, sink: (observation: ContractObservation) => void): RefcountStrategy {
  return {
    ...strategy,
    attach: (environment) => {
      const runtime = strategy.attach(environment);
      const watched: WatchedRefcount[] = [];
      environment.machine.keepHostState<readonly (readonly [WatchedRefcount, WatchSave])[]>({
        name: 'contract recorder',
        save: () => watched.map((watch) => [watch, watch.save()] as const),
        load: (saved) => {
          watched.length = 0;
          for (const [watch, state] of saved) {
            watch.load(state);
            watched.push(watch);
          }
        },
      });
      return {
        *createModule(self, cells) {
          const inner = yield* runtime.createModule(self, cells);
          const watch = new WatchedRefcount(inner, cells.name, sink);
          watched.push(watch);
          return watch;
        },
      };
    },
  };
}
