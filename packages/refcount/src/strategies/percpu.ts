import { load, preemptDisable, preemptEnable, setCurrentState, schedule, store, wakeUpProcess, type ExecutionContext, type KernelCode, type Machine } from '@kmodsim/cpu';
import { allocPerCpu, freePerCpu, localOps, perCpuPtr, perCpuSum, type LocalOps, type PerCpuVar } from '@kmodsim/percpu';
import { createStopMachine, type StopMachine } from '@kmodsim/stop-machine';
import {
  ModuleState, type ModuleCells, type ModuleRefcount, type RefcountStrategy, type StopOutcome, type UnloadFlags,
} from '../strategy.js';

// The seed's design (Rusty Russell, 2002): one local_t per CPU, each on its own cache line;
// try_module_get and module_put touch only this CPU's counter under get_cpu()/put_cpu(), with the
// liveness test inside the same preempt-off section; unload freezes every CPU with stop_machine
// to sum the counters and mark the module GOING atomically with respect to every get; module_put
// wakes the waiter on every put once the module is going, since no single counter can tell it
// reached zero; and freeing waits (one more stop_machine) until no CPU can still be inside a put.
//
// The flawed variants each remove one protection, so a checker has known bugs to find.

export type PercpuFlaw = 'naive-sum' | 'plain-local' | 'lost-wakeup' | 'early-free';

class PercpuCount implements ModuleRefcount {
  constructor(
    private readonly machine: Machine,
    private readonly stopper: StopMachine,
    private readonly refs: PerCpuVar,
    private readonly cells: ModuleCells,
    private readonly local: LocalOps,
    private readonly flaw: PercpuFlaw | undefined,
  ) {}

  private refOf(cpu: number): number {
    return perCpuPtr(this.refs, cpu);
  }

  /** local_add on this CPU's counter: one instruction, a locked one, or (the flaw) load+store. */
  private *localAdd(cpu: number, delta: number): KernelCode<void> {
    yield* this.local.add(this.refOf(cpu), delta);
  }

  *tryGet(self: ExecutionContext): KernelCode<boolean> {
    yield preemptDisable();
    const live = (yield load(this.cells.live)) === 1;
    if (live) yield* this.localAdd(self.cpu, 1);
    yield preemptEnable();
    return live;
  }

  *get(self: ExecutionContext): KernelCode<void> {
    yield preemptDisable();
    yield* this.localAdd(self.cpu, 1);
    yield preemptEnable();
  }

  *put(self: ExecutionContext): KernelCode<void> {
    yield preemptDisable();
    yield* this.localAdd(self.cpu, -1);
    // Maybe they're waiting for us to drop a reference?
    if ((yield load(this.cells.live)) === 0) {
      const waiter = yield load(this.cells.waiter);
      if (waiter !== 0) yield wakeUpProcess(waiter);
    }
    yield preemptEnable();
  }

  count(): number {
    let sum = 0;
    for (let cpu = 0; cpu < this.machine.cpuCount; cpu++) sum += this.machine.read(this.refOf(cpu));
    return sum;
  }

  /** Reads every CPU's counter, one load each. */
  private sum(): KernelCode<number> {
    return perCpuSum(this.refs);
  }

  /** With every CPU frozen no count changes: sum, decide, and mark the module GOING in one go. */
  private *decide(waiterPid: number, flags: UnloadFlags): KernelCode<StopOutcome> {
    const count = yield* this.sum();
    if (count !== 0 && flags.nonblock && !flags.force) return { kind: 'busy', count };
    yield store(this.cells.live, 0);
    yield store(this.cells.state, ModuleState.GOING);
    yield store(this.cells.waiter, waiterPid);
    return { kind: 'stopped', count };
  }

  *stop(self: ExecutionContext, flags: UnloadFlags): KernelCode<StopOutcome> {
    // The flaw: sum while the other CPUs run, so a get can slip in between the sum and GOING.
    if (this.flaw === 'naive-sum') return yield* this.decide(self.pid, flags);
    // The waiter is the unloader, not the stopper thread that happens to run the decision.
    let outcome: StopOutcome | undefined;
    const decide = (): KernelCode<StopOutcome> => this.decide(self.pid, flags);
    yield* this.stopper.run(self, function* () {
      outcome = yield* decide();
      return 0;
    });
    if (outcome === undefined) throw new Error('stop_machine returned without running the decision');
    return outcome;
  }

  *waitForZero(): KernelCode<void> {
    if (this.flaw === 'lost-wakeup') {
      // The flaw: test first, set the state after, so a put (and its wake) in between is lost.
      while ((yield* this.sum()) !== 0) {
        yield setCurrentState('TASK_UNINTERRUPTIBLE');
        yield schedule();
      }
      return;
    }
    while (true) {
      yield setCurrentState('TASK_UNINTERRUPTIBLE');
      if ((yield* this.sum()) === 0) break;
      yield schedule();
    }
    yield setCurrentState('TASK_RUNNING');
  }

  *beforeFree(self: ExecutionContext): KernelCode<void> {
    // A put may still be between its decrement and its test of `live`, with preemption off.
    // Every CPU passing through its stopper thread proves none is there any more.
    if (this.flaw === 'early-free') return;
    yield* this.stopper.run(self, function* () {
      return 0;
    });
  }

  *release(): KernelCode<void> {
    yield* freePerCpu(this.refs);
  }
}

function percpuStrategy(name: string, description: string, flaw?: { readonly kind: PercpuFlaw; readonly text: string }): RefcountStrategy {
  return {
    name,
    description,
    ...(flaw === undefined ? {} : { flaw: flaw.text }),
    attach: ({ machine, arch }) => {
      const stopper = createStopMachine(machine);
      const local = localOps(flaw?.kind === 'plain-local' ? 'plain' : arch);
      return {
        *createModule(self, cells) {
          const refs = yield* allocPerCpu(`${cells.name}.ref`, machine.cpuCount);
          // The loader holds a reference during init, counted on the CPU it loads from.
          yield store(perCpuPtr(refs, self.cpu), 1);
          return new PercpuCount(machine, stopper, refs, cells, local, flaw?.kind);
        },
      };
    },
  };
}

export const percpuStopMachine = percpuStrategy(
  'percpu-stop-machine',
  "the seed's design: per-CPU local_t under get_cpu, a live flag, stop_machine to sum and mark GOING",
);

export const percpuNaiveSum = percpuStrategy('percpu-naive-sum', 'the seed design summing the counters without stopping the machine', {
  kind: 'naive-sum',
  text: 'sums the per-CPU counters while other CPUs run: a get can slip in after its counter was read',
});

export const percpuPlainLocal = percpuStrategy('percpu-plain-local', 'the seed design with local_t as a plain load, add and store', {
  kind: 'plain-local',
  text: 'increments local_t with a load and a store: an interrupt on the same CPU in between loses an update',
});

export const percpuLostWakeup = percpuStrategy('percpu-lost-wakeup', 'the seed design whose unloader tests the count before setting its task state', {
  kind: 'lost-wakeup',
  text: 'tests the count before set_current_state(): the last put can wake it before it sleeps, and it sleeps forever',
});

export const percpuEarlyFree = percpuStrategy('percpu-early-free', 'the seed design freeing the module without waiting for in-flight puts', {
  kind: 'early-free',
  text: 'frees the module while a put may still read its live flag: use after free',
});
