import {
  MUTEX_CELLS, atomicAdd, load, mutexAt, mutexLock, mutexUnlock, preemptDisable, preemptEnable, rest, schedule, sendIpi, setCurrentState, spawn, store,
  waitEvent, wakeUpProcess,
  type ExecutionContext, type KernelCode, type Machine, type Mutex,
} from '@kmodsim/cpu';
import { perCpuPtr, type PerCpuVar } from '@kmodsim/percpu';
import { EXP_NEEDED } from './read-side.js';

// Expedited grace periods (synchronize_rcu_expedited): rather than wait for every CPU to
// switch, send each other CPU an IPI. The caller's own CPU is quiescent (it is here, in task
// context, where it may sleep). Expedited grace periods serialize on a mutex.
//
// What the handler may conclude is what the !CONFIG_PREEMPT_RCU rcu_exp_handler() in Linux's
// kernel/rcu/tree_exp.h concludes. Since 4.20 synchronize_rcu() also waits for every stretch of
// code with preemption, bottom halves or interrupts off, so an IPI that lands in such a stretch
// has found a reader, with or without rcu_read_lock(). An IPI that interrupted the idle loop
// (rcu_is_cpu_rrupt_from_idle()) reports at once. Otherwise the handler cannot report: it sets
// the CPU's "expedited quiescent state needed" flag and forces a reschedule (rcu_exp_need_qs():
// set_tsk_need_resched()), and the report comes from the CPU's next context switch, in
// rcu_note_context_switch() -> rcu_qs(), which the scheduler reaches at the first point where
// the interrupted code lets it: at once on return from the IPI if preemption was on, else at
// the preempt_enable() that ends the section.
//
// The machine has no hook in its scheduler, so the context switch is modelled as the normal
// grace period's is (grace-period.ts): a bound kthread per CPU, `rcu_exp_qs/N`, which the
// handler wakes. It is of the stopper class, so it takes its CPU at the first point the running
// task may be preempted, as need_resched makes the scheduler do; it cannot run inside a section
// with preemption off, so its running is the quiescent state. The machine's interrupt handlers
// see only their own preempt count, not the interrupted task's, so the model cannot take
// Linux's CONFIG_PREEMPT_COUNT shortcut of reporting from the handler when preemption was on:
// there the kthread reports straight after the handler returns, a context switch later.
// The kthreads are spawned by the first expedited grace period, so a machine that never asks
// for one has none.

interface ExpeditedSave {
  readonly waiter: number;
  readonly completed: number;
  readonly reporters: readonly number[];
}

/** The interrupted context's pid when an interrupt lands in the idle loop (no task current). */
const IDLE_PID = 0;

export class ExpeditedGracePeriods {
  private readonly mutex: Mutex;
  private readonly remaining: number;
  private waiter = 0;
  /** Pids of the rcu_exp_qs/N kthreads, by CPU; empty until the first expedited grace period. */
  private reporters: number[] = [];
  completed = 0;

  constructor(private readonly machine: Machine, private readonly data: PerCpuVar) {
    this.mutex = mutexAt(machine, 'rcu_state.exp_mutex', machine.alloc('rcu_state.exp_mutex', MUTEX_CELLS, { lineAligned: true }).base);
    this.remaining = machine.alloc('rcu_state.exp_remaining', 1, { lineAligned: true }).base;
    machine.nameBodies({ rcu_exp_qs: ([cpu]) => () => this.reporter(Number(cpu)) });
    machine.keepHostState<ExpeditedSave>({
      name: 'rcu expedited grace periods',
      save: () => ({ waiter: this.waiter, completed: this.completed, reporters: [...this.reporters] }),
      load: (saved) => {
        this.waiter = saved.waiter;
        this.completed = saved.completed;
        this.reporters = [...saved.reporters];
      },
      encode: (saved) => saved,
      decode: (data) => {
        const { waiter, completed, reporters } = data as Partial<ExpeditedSave>;
        if (typeof waiter !== 'number' || typeof completed !== 'number') throw new Error('not laid out as expedited grace periods');
        // A snapshot from before the reporters existed has none.
        if (reporters !== undefined && (!Array.isArray(reporters) || !reporters.every((pid) => typeof pid === 'number'))) {
          throw new Error('not laid out as expedited grace periods');
        }
        return { waiter, completed, reporters: reporters ?? [] };
      },
    });
  }

  *synchronize(self: ExecutionContext): KernelCode<void> {
    yield* mutexLock(this.mutex, self);
    if (this.reporters.length === 0) yield* this.spawnReporters();
    this.waiter = self.pid;
    const cpuCount = this.machine.cpuCount;
    yield store(this.remaining, cpuCount);
    yield preemptDisable();
    const here = self.cpu;
    for (let cpu = 0; cpu < cpuCount; cpu++) {
      if (cpu !== here) yield sendIpi(cpu, 'rcu_exp_handler', (irq) => this.handler(irq));
    }
    yield* this.report();
    yield preemptEnable();
    yield* waitEvent(this.remaining, (left) => left === 0);
    this.completed++;
    yield* mutexUnlock(this.mutex, self);
  }

  /** kthread_run() of each CPU's rcu_exp_qs/N; called with the mutex held, so once. */
  private *spawnReporters(): KernelCode<void> {
    const pids: number[] = [];
    for (let cpu = 0; cpu < this.machine.cpuCount; cpu++) {
      pids.push(yield spawn({
        name: `rcu_exp_qs/${cpu}`, cpu, bound: true, priority: 'stop', daemon: true,
        body: () => this.reporter(cpu), bodyRef: { name: 'rcu_exp_qs', args: [cpu] },
      }));
    }
    this.reporters = pids;
  }

  /** rcu_report_exp_rdp(): one CPU done; the last one wakes the caller. */
  private *report(): KernelCode<void> {
    if ((yield atomicAdd(this.remaining, -1)) === 0) yield wakeUpProcess(this.waiter);
  }

  /** rcu_exp_handler(), on the interrupted CPU. */
  private *handler(irq: ExecutionContext): KernelCode<void> {
    if (irq.pid === IDLE_PID) {
      yield* this.report();
      return;
    }
    // rcu_exp_need_qs(): the flag, then the forced reschedule.
    yield store(perCpuPtr(this.data, irq.cpu, EXP_NEEDED), 1);
    const reporter = this.reporters[irq.cpu];
    if (reporter === undefined) throw new Error(`no rcu_exp_qs kthread for CPU ${irq.cpu}`);
    yield wakeUpProcess(reporter);
  }

  /**
   * rcu_exp_qs/N: the context switch that need_resched forces on CPU N. It runs only where the
   * task it displaced could be preempted, so it reports the quiescent state the handler could not.
   */
  private *reporter(cpu: number): KernelCode<void> {
    const flag = perCpuPtr(this.data, cpu, EXP_NEEDED);
    while (true) {
      yield rest();
      yield setCurrentState('TASK_INTERRUPTIBLE');
      if ((yield load(flag)) === 0) {
        yield schedule();
        continue;
      }
      yield setCurrentState('TASK_RUNNING');
      // rcu_qs(): clear the flag, then report. No other expedited grace period can set it
      // again before this report, since the next one waits for this one to end.
      yield store(flag, 0);
      yield* this.report();
    }
  }
}
