import { load, preemptDisable, preemptEnable, setCurrentState, setCurrentStateUnordered, schedule, store, wakeUpProcess, type ExecutionContext, type KernelCode } from '@kmodsim/cpu';
import { localOps, smpProcessorId } from '@kmodsim/percpu';
import { createStopMachine, type StopMachine } from '@kmodsim/stop-machine';
import {
  ModuleState, type KnownViolation, type ModuleCells, type ModuleRefcount, type RefcountStrategy, type StopOutcome, type UnloadFlags,
} from '../strategy.js';
import { countOnThisCpu, singleCounters, splitCounters, type PercpuCounters } from './percpu-counters.js';
import { declaredMembers, type Variant } from './variant.js';

// The seed's design (Rusty Russell, 2002): one local_t per CPU, each on its own cache line;
// try_module_get and module_put touch only this CPU's counter under get_cpu()/put_cpu(), with the
// liveness test inside the same preempt-off section; unload freezes every CPU with stop_machine
// to sum the counters and mark the module GOING atomically with respect to every get; module_put
// wakes the waiter on every put once the module is going, since no single counter can tell it
// reached zero; and freeing waits (one more stop_machine) until no CPU can still be inside a put.
//
// The flawed variants each remove one protection, so a checker has known bugs to find.

export type PercpuFlaw = 'naive-sum' | 'plain-local' | 'lost-wakeup' | 'early-free' | 'unordered-wait' | 'unordered-sum';

class PercpuCount implements ModuleRefcount {
  constructor(
    private readonly stopper: StopMachine,
    private readonly counters: PercpuCounters,
    private readonly cells: ModuleCells,
    private readonly flaw: PercpuFlaw | undefined,
    /** Machine.received: the decision comes back from a stopper thread through this object. */
    private readonly received: (outcome: StopOutcome | undefined) => StopOutcome | undefined,
  ) {}

  *tryGet(self: ExecutionContext): KernelCode<boolean> {
    // 2.6.0 try_module_get (include/linux/module.h): no barrier between the test and the
    // increment. None is needed: this preempt-off section cannot overlap the stopped machine's
    // decision, and the stoppers' handshake orders it before or after as a whole.
    yield preemptDisable();
    const live = (yield load(this.cells.live)) === 1;
    if (live) yield* this.counters.inc(yield* smpProcessorId(self));
    yield preemptEnable();
    return live;
  }

  get(self: ExecutionContext): KernelCode<void> {
    return countOnThisCpu(this.counters, self);
  }

  *put(self: ExecutionContext): KernelCode<void> {
    yield preemptDisable();
    yield* this.counters.dec(yield* smpProcessorId(self));
    // Maybe they're waiting for us to drop a reference? 2.6.0 module_put reads the flag with no
    // barrier after its local_dec: once going, every put wakes the waiter, and wake_up_process()
    // is a full barrier before it reads the waiter's state (kernel/sched/core.c try_to_wake_up:
    // smp_mb__after_spinlock()), pairing with the waiter's set_current_state() before its sum.
    if ((yield load(this.cells.live)) === 0) {
      const waiter = yield load(this.cells.waiter);
      if (waiter !== 0) yield wakeUpProcess(waiter);
    }
    yield preemptEnable();
  }

  count(): number {
    return this.counters.hostSum();
  }

  /** Reads every CPU's counter, one load each. */
  private sum(): KernelCode<number> {
    return this.counters.sum();
  }

  /**
   * With every CPU frozen no count changes: sum, decide, and mark the module GOING in one go.
   * stop_machine is the barrier (2.6.0 stop_refcounts: mb() before each stopper's atomic ack;
   * kernel/stop_machine.c today: atomic_dec_and_test in ack_state): every update made before a
   * CPU stopped is in the sum, and these stores reach every CPU before it runs a get or put
   * again. So their order is free here; 2.6.0's sys_delete_module set the waiter first.
   */
  private *decide(waiterPid: number, flags: UnloadFlags): KernelCode<StopOutcome> {
    const count = yield* this.sum();
    if (count !== 0 && flags.nonblock && !flags.force) return { kind: 'busy', count };
    yield store(this.cells.live, 0);
    yield store(this.cells.state, ModuleState.GOING);
    yield store(this.cells.waiter, waiterPid);
    return { kind: 'stopped', count };
  }

  *stop(self: ExecutionContext, flags: UnloadFlags): KernelCode<StopOutcome> {
    // The flaw: sum while the other CPUs run, with no stop_machine, so a get can slip in between
    // the sum and GOING.
    if (this.flaw === 'naive-sum') return yield* this.decide(self.pid, flags);
    // The waiter is the unloader, not the stopper thread that happens to run the decision.
    let outcome: StopOutcome | undefined;
    const decide = (): KernelCode<StopOutcome> => this.decide(self.pid, flags);
    yield* this.stopper.run(self, function* () {
      outcome = yield* decide();
      return 0;
    });
    outcome = this.received(outcome);
    if (outcome === undefined) throw new Error('stop_machine returned without running the decision');
    return outcome;
  }

  *waitForZero(): KernelCode<void> {
    if (this.flaw === 'lost-wakeup') {
      // The flaw: test first, set the state after (Linux sets it first), so a put and its wake
      // in between are lost. No barrier would help: it is an ordering of program steps.
      while ((yield* this.sum()) !== 0) {
        yield setCurrentState('TASK_UNINTERRUPTIBLE');
        yield schedule();
      }
      return;
    }
    while (true) {
      // 2.6.0 wait_for_zero_refcount: set_current_state() is smp_store_mb() (include/linux/sched.h):
      // the state is visible before the sum's loads. The flaw's __set_current_state() is a plain
      // store, which x86-TSO lets the loads overtake: the flaw's point.
      yield this.flaw === 'unordered-wait' ? setCurrentStateUnordered('TASK_UNINTERRUPTIBLE') : setCurrentState('TASK_UNINTERRUPTIBLE');
      if ((yield* this.sum()) === 0) break;
      yield schedule();
    }
    // Linux stores TASK_RUNNING plainly here (2.6.0-3.x: current->state =). Ours is ordered, a
    // barrier more: the machine's self.taskState does not show a task its own buffered state, so
    // mutex_lock's might_sleep() would warn.
    yield setCurrentState('TASK_RUNNING');
  }

  *beforeFree(self: ExecutionContext): KernelCode<void> {
    // A put may still be between its decrement and its test of `live`, with preemption off.
    // Every CPU passing through its stopper thread proves none is there any more: 2.6.24-3.x
    // free_module unlinked under stop_machine (__unlink_module); 2.6.0's had only a spinlock.
    // The flaw skips it (2.6.0's free), and frees under a put still running.
    if (this.flaw === 'early-free') return;
    yield* this.stopper.run(self, function* () {
      return 0;
    });
  }

  *release(): KernelCode<void> {
    yield* this.counters.release();
  }
}

interface PercpuVariant extends Variant<PercpuFlaw> {
  /** 2.6.35's increments and decrements apart, or 2.6.0's one counter per CPU. */
  readonly split?: boolean;
}

function percpuStrategy(variant: PercpuVariant): RefcountStrategy {
  const { flaw } = variant;
  return {
    ...declaredMembers(variant),
    attach: ({ machine, arch }) => {
      const stopper = createStopMachine(machine);
      const local = localOps(flaw?.kind === 'plain-local' ? 'plain' : arch);
      return {
        *createModule(self, cells) {
          const counters = variant.split === true ? yield* splitCounters(machine, cells.name, local, flaw?.kind !== 'unordered-sum') : yield* singleCounters(machine, cells.name, local);
          // The loader holds a reference during init, counted on the CPU it loads from.
          yield* counters.start(self.cpu);
          return new PercpuCount(stopper, counters, cells, flaw?.kind, (outcome) => machine.received(outcome));
        },
      };
    },
  };
}

/**
 * The seed's one known bug, found in 2.6.35: the wait for zero sums the counters unstopped, so
 * a reference that moves between CPUs during the sum (taken with __module_get on a CPU already
 * summed, its holder's dropped on one not yet summed) is missed and the sum reads zero.
 */
const MODULE_GET_RACE: KnownViolation = {
  scenario: 'module-get-during-wait',
  kinds: ['assertion', 'call-into-freed-code', 'use-after-free'],
  why: "2.6.0's wait sums the per-CPU counts without stopping the machine: a __module_get on a CPU already summed and a put on one not yet summed make the sum zero while a reference is held (fixed in 2.6.35 by percpu-split-counters)",
};

export const percpuStopMachine = percpuStrategy({
  name: 'percpu-stop-machine',
  description: "the seed's design: per-CPU local_t under get_cpu, a live flag, stop_machine to sum and mark GOING",
  knownViolations: [MODULE_GET_RACE],
});

export const percpuSplitCounters = percpuStrategy({
  name: 'percpu-split-counters',
  description: "2.6.35's fix of the seed: per-CPU increments and decrements apart, the decrements summed first",
  split: true,
});

function caught(scenario: string, kinds: KnownViolation['kinds'], why: string): KnownViolation {
  return { scenario, kinds, why };
}

// A module freed under a user shows as the access to freed memory, or first as the module core's
// check that no reference is held when its exit runs.
const FREED: KnownViolation['kinds'] = ['use-after-free', 'call-into-freed-code', 'assertion'];

const NAIVE_SUM_CAUGHT: readonly KnownViolation[] = [
  caught('unload-vs-get', FREED, 'a get slips in after its CPU was summed, and the module is freed under it'),
  caught('migrate-put', FREED, 'the sum misses a reference moving between CPUs, and the module is freed under its holder'),
  caught('misc-open-vs-unload', FREED, 'a get slips in after its CPU was summed, and the module is freed under it'),
  caught('rescheduling-reader-vs-unload', FREED, 'a get slips in after its CPU was summed, and the module is freed under it'),
  MODULE_GET_RACE,
];

const PLAIN_LOCAL_CAUGHT: readonly KnownViolation[] = [
  caught('irq-get-worker-put', ['assertion', 'invariant'], 'an interrupt between the load and the store of a local increment loses an update'),
  ...['transfer-completion-vs-wait', 'transfer-completion-vs-failed-init'].map((scenario) => caught(scenario, ['sleeps-forever', 'assertion', 'invariant'], 'a completion interrupt between the load and the store of a local update loses it: the count never falls to zero, and the unloader sleeps for ever')), MODULE_GET_RACE,
];

const LOST_WAKEUP_CAUGHT: readonly KnownViolation[] = [
  caught('wait-vs-last-put', ['sleeps-forever'], 'the last put wakes the unloader before it sleeps'),
  caught('migrate-put', ['sleeps-forever'], 'the last put wakes the unloader before it sleeps'),
  caught('refused-open-while-waiting', ['sleeps-forever'], 'the last put wakes the unloader before it sleeps'),
  ...['transfer-completion-vs-wait', 'receive-interrupt-vs-wait', 'transfer-completion-vs-failed-init', 'locked-close-vs-wait', 'completion-last-put-vs-wait', 'completion-last-put-vs-failed-init'].map((scenario) => caught(scenario, ['sleeps-forever'], 'the last put wakes the unloader before it sleeps')), MODULE_GET_RACE,
];

const EARLY_FREE_CAUGHT: readonly KnownViolation[] = [
  caught('wait-vs-last-put', FREED, 'the module is freed while the last put still reads its live flag'),
  caught('migrate-put', FREED, 'the module is freed while the last put still reads its live flag'),
  caught('refused-open-while-waiting', FREED, 'the module is freed while the last put still reads its live flag'),
  caught('failing-init-with-user', FREED, 'a failed init frees the module while its early user\'s put still reads the live flag'),
  caught('locked-close-vs-failed-init', FREED, 'a failed init frees the module while its early user\'s put still reads the live flag'), caught('locked-close-vs-wait', FREED, 'the module is freed while the last put still reads its live flag'),
  caught('completion-last-put-vs-wait', FREED, 'the module is freed while the completion interrupt\'s last put still reads it'),
  caught('completion-last-put-vs-failed-init', FREED, 'a failed init frees the module while the completion interrupt\'s last put still reads it'), MODULE_GET_RACE, caught('accept-during-wait', FREED, 'the module is freed while the last put still reads its live flag'),
];

/** A flawed variant of the seed: the seed's known bug, plus what its own flaw breaks. */
function flawed(name: string, description: string, flaw: NonNullable<PercpuVariant['flaw']>, caughtBy: readonly KnownViolation[]): RefcountStrategy {
  return percpuStrategy({ name, description, flaw, knownViolations: caughtBy });
}

export const percpuNaiveSum = flawed('percpu-naive-sum', 'the seed design summing the counters without stopping the machine', {
  kind: 'naive-sum',
  text: 'sums the per-CPU counters while other CPUs run: a get can slip in after its counter was read',
}, NAIVE_SUM_CAUGHT);

export const percpuPlainLocal = flawed('percpu-plain-local', 'the seed design with local_t as a plain load, add and store', {
  kind: 'plain-local',
  text: 'increments local_t with a load and a store: an interrupt on the same CPU in between loses an update',
}, PLAIN_LOCAL_CAUGHT);

export const percpuLostWakeup = flawed('percpu-lost-wakeup', 'the seed design whose unloader tests the count before setting its task state', {
  kind: 'lost-wakeup',
  text: 'tests the count before set_current_state(): the last put can wake it before it sleeps, and it sleeps forever',
}, LOST_WAKEUP_CAUGHT);

export const percpuEarlyFree = flawed('percpu-early-free', 'the seed design freeing the module without waiting for in-flight puts', {
  kind: 'early-free',
  text: 'frees the module while a put may still read its live flag: use after free',
}, EARLY_FREE_CAUGHT);

const UNORDERED_WAIT_CAUGHT: readonly KnownViolation[] = [
  ...['completion-last-put-vs-wait', 'completion-last-put-vs-failed-init'].map((scenario): KnownViolation => ({
    scenario, kinds: ['sleeps-forever'], memory: 'tso', why: "the unloader's task state waits in its CPU's store buffer while it sums, so the last put's wake finds it running and does nothing; then the state lands and it sleeps for ever",
  })),
  MODULE_GET_RACE,
];

export const percpuUnorderedWait = flawed('percpu-unordered-wait', 'the seed design whose unloader sets its task state with __set_current_state() before summing', {
  kind: 'unordered-wait',
  text: "sets TASK_UNINTERRUPTIBLE with __set_current_state(), no barrier, before summing: under x86-TSO the last put's wake misses the state still in the store buffer",
}, UNORDERED_WAIT_CAUGHT);

export const percpuSplitUnorderedSum = percpuStrategy({
  name: 'percpu-split-unordered-sum',
  description: "2.6.35's split counters whose module_refcount() reads the increments with no smp_rmb() after the decrements",
  split: true,
  flaw: {
    kind: 'unordered-sum',
    text: "sums the decrements, then the increments with no smp_rmb() between: a relaxed CPU may read a put's decrement and an increment older than its get, and see zero while a reference is held",
  },
  knownViolations: [{
    scenario: 'accept-during-wait', kinds: FREED, memory: 'relaxed',
    why: "the unloader reads accept()'s put in the decrements and a stale copy of the increments from before its get: the sum is zero while the listening socket holds a reference, and the module is freed under it",
  }],
});
