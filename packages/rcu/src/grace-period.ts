import {
  atomicAdd, load, schedule, setCurrentState, store, waitEvent, wakeUpProcess,
  type ExecutionContext, type KernelCode, type Machine,
} from '@kmodsim/cpu';
import type { RcuCallback } from './rcu.js';

// Normal grace periods. A grace-period kthread (`rcu_sched`) sleeps until call_rcu() has queued
// callbacks, takes every callback queued so far, starts a grace period and waits until every
// CPU has reported a quiescent state; then it invokes the batch, in the order queued.
//
// How a CPU reports: Linux's scheduler notes each context switch (rcu_note_context_switch) and
// the idle loop counts as quiescent. The machine has no such hook, so each CPU has a bound
// kthread of ordinary priority, `rcu_qs/N`, woken at the start of a grace period. It can run on
// CPU N only when the task there has switched out or the CPU is idle -- never inside a
// read-side section, where preemption is off -- so its running is the quiescent state, and it
// reports it. The latency that comes out is the machine's: wake-ups, switches, the report
// counter's cache line. (User mode is not modelled: the machine runs kernel code only.)

interface Queued {
  readonly callback: RcuCallback;
}

export class GracePeriods {
  /** Grace-period sequence number, the count of CPUs yet to report, and queued callbacks. */
  private readonly gpSeq: number;
  private readonly qsRemaining: number;
  private readonly queuedCount: number;
  private readonly reporters: number[] = [];
  private readonly gpThread: number;
  private waiting: Queued[] = [];
  completed = 0;

  constructor(private readonly machine: Machine) {
    this.gpSeq = machine.alloc('rcu_state.gp_seq', 1, { lineAligned: true }).base;
    this.qsRemaining = machine.alloc('rcu_state.qs_remaining', 1, { lineAligned: true }).base;
    this.queuedCount = machine.alloc('rcu_state.cb_queued', 1, { lineAligned: true }).base;
    this.gpThread = machine.spawn({ name: 'rcu_sched', daemon: true, body: (self) => this.gpKthread(self) });
    for (let cpu = 0; cpu < machine.cpuCount; cpu++) {
      this.reporters.push(machine.spawn({ name: `rcu_qs/${cpu}`, cpu, bound: true, daemon: true, body: () => this.reporter() }));
    }
    // Queued callbacks are code, so they wait here, outside simulated memory.
    machine.keepHostState<{ waiting: readonly Queued[]; completed: number }>({
      name: 'rcu grace periods',
      save: () => ({ waiting: [...this.waiting], completed: this.completed }),
      load: (saved) => {
        this.waiting = [...saved.waiting];
        this.completed = saved.completed;
      },
    });
  }

  /** call_rcu(): queue, count, and wake the grace-period kthread. Safe from any context. */
  *enqueue(callback: RcuCallback): KernelCode<void> {
    this.waiting.push({ callback });
    yield atomicAdd(this.queuedCount, 1);
    yield wakeUpProcess(this.gpThread);
  }

  private *gpKthread(self: ExecutionContext): KernelCode<void> {
    while (true) {
      yield setCurrentState('TASK_INTERRUPTIBLE');
      if ((yield load(this.queuedCount)) === 0) {
        yield schedule();
        continue;
      }
      yield setCurrentState('TASK_RUNNING');
      const batch = this.waiting;
      this.waiting = [];
      yield atomicAdd(this.queuedCount, -batch.length);
      yield* this.gracePeriod();
      for (const queued of batch) yield* queued.callback(self);
    }
  }

  /** rcu_gp_init() .. rcu_gp_cleanup(): one full grace period. */
  private *gracePeriod(): KernelCode<void> {
    yield store(this.qsRemaining, this.machine.cpuCount);
    yield store(this.gpSeq, (yield load(this.gpSeq)) + 1);
    for (const reporter of this.reporters) yield wakeUpProcess(reporter);
    yield* waitEvent(this.qsRemaining, (left) => left === 0);
    this.completed++;
  }

  /** rcu_qs/N: runs only once CPU N has switched or idled; reports that once per grace period. */
  private *reporter(): KernelCode<void> {
    let reportedFor = 0;
    while (true) {
      yield setCurrentState('TASK_INTERRUPTIBLE');
      const gp = yield load(this.gpSeq);
      if (gp === reportedFor) {
        yield schedule();
        continue;
      }
      yield setCurrentState('TASK_RUNNING');
      reportedFor = gp;
      if ((yield atomicAdd(this.qsRemaining, -1)) === 0) yield wakeUpProcess(this.gpThread);
    }
  }
}
