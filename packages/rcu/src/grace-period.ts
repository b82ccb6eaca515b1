import {
  atomicAdd, load, rest, schedule, setCurrentState, store, waitEvent, wakeUpProcess,
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

interface GracePeriodSave {
  readonly waiting: readonly Queued[];
  readonly completed: number;
  readonly reportedFor: readonly number[];
}

export class GracePeriods {
  /** Grace-period sequence number, the count of CPUs yet to report, and queued callbacks. */
  private readonly gpSeq: number;
  private readonly qsRemaining: number;
  private readonly queuedCount: number;
  private readonly reporters: number[] = [];
  private readonly gpThread: number;
  private waiting: Queued[] = [];
  /** Per CPU: the grace period its reporter last reported (kept here, so the reporter can rest at its loop head). */
  private reportedFor: number[];
  completed = 0;

  constructor(private readonly machine: Machine) {
    this.gpSeq = machine.alloc('rcu_state.gp_seq', 1, { lineAligned: true }).base;
    this.qsRemaining = machine.alloc('rcu_state.qs_remaining', 1, { lineAligned: true }).base;
    this.queuedCount = machine.alloc('rcu_state.cb_queued', 1, { lineAligned: true }).base;
    this.reportedFor = new Array<number>(machine.cpuCount).fill(0);
    this.gpThread = machine.spawn({ name: 'rcu_sched', daemon: true, body: (self) => this.gpKthread(self), bodyRef: { name: 'rcu_sched' } });
    for (let cpu = 0; cpu < machine.cpuCount; cpu++) {
      this.reporters.push(machine.spawn({ name: `rcu_qs/${cpu}`, cpu, bound: true, daemon: true, body: () => this.reporter(cpu), bodyRef: { name: 'rcu_qs', args: [cpu] } }));
    }
    machine.nameBodies({ rcu_sched: () => (self) => this.gpKthread(self), rcu_qs: ([cpu]) => () => this.reporter(Number(cpu)) });
    // Queued callbacks are code, so they wait here, outside simulated memory.
    machine.keepHostState<GracePeriodSave>({
      name: 'rcu grace periods',
      save: () => ({ waiting: [...this.waiting], completed: this.completed, reportedFor: [...this.reportedFor] }),
      load: (saved) => {
        this.waiting = [...saved.waiting];
        this.completed = saved.completed;
        this.reportedFor = [...saved.reportedFor];
      },
      encode: (saved) => {
        if (saved.waiting.length > 0) throw new Error(`${saved.waiting.length} RCU callbacks are queued (callbacks are code, which cannot be saved)`);
        return { completed: saved.completed, reportedFor: saved.reportedFor };
      },
      decode: (data) => {
        const { completed, reportedFor } = data as Partial<GracePeriodSave>;
        if (typeof completed !== 'number' || !Array.isArray(reportedFor) || reportedFor.length !== machine.cpuCount) throw new Error('not laid out as RCU grace periods');
        return { waiting: [], completed, reportedFor: reportedFor.map(Number) };
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
      // At the loop head the thread holds no batch: what a snapshot keeps of it stops here.
      yield rest();
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
  private *reporter(cpu: number): KernelCode<void> {
    while (true) {
      yield rest();
      yield setCurrentState('TASK_INTERRUPTIBLE');
      const gp = yield load(this.gpSeq);
      if (gp === this.reportedFor[cpu]) {
        yield schedule();
        continue;
      }
      yield setCurrentState('TASK_RUNNING');
      this.reportedFor[cpu] = gp;
      if ((yield atomicAdd(this.qsRemaining, -1)) === 0) yield wakeUpProcess(this.gpThread);
    }
  }
}
