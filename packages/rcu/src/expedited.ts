import {
  MUTEX_CELLS, atomicAdd, load, mutexAt, mutexLock, mutexUnlock, preemptDisable, preemptEnable, sendIpi, store, waitEvent, wakeUpProcess,
  type ExecutionContext, type KernelCode, type Machine, type Mutex,
} from '@kmodsim/cpu';
import { perCpuPtr, type PerCpuVar } from '@kmodsim/percpu';
import { EXP_NEEDED, NESTING } from './read-side.js';

// Expedited grace periods (synchronize_rcu_expedited): rather than wait for every CPU to
// switch, send each other CPU an IPI. The handler looks at what it interrupted: outside a
// read-side section that is a quiescent state, reported at once; inside one, it leaves a flag
// and the section's outermost rcu_read_unlock() reports. The caller's own CPU is quiescent (it
// is here, in task context, outside any section). Expedited grace periods serialize on a mutex.

export class ExpeditedGracePeriods {
  private readonly mutex: Mutex;
  private readonly remaining: number;
  private waiter = 0;
  completed = 0;

  constructor(private readonly machine: Machine, private readonly data: PerCpuVar) {
    this.mutex = mutexAt(machine, 'rcu_state.exp_mutex', machine.alloc('rcu_state.exp_mutex', MUTEX_CELLS, { lineAligned: true }).base);
    this.remaining = machine.alloc('rcu_state.exp_remaining', 1, { lineAligned: true }).base;
    machine.keepHostState<{ waiter: number; completed: number }>({
      name: 'rcu expedited grace periods',
      save: () => ({ waiter: this.waiter, completed: this.completed }),
      load: (saved) => {
        this.waiter = saved.waiter;
        this.completed = saved.completed;
      },
      encode: (saved) => saved,
      decode: (data) => {
        const { waiter, completed } = data as { waiter?: unknown; completed?: unknown };
        if (typeof waiter !== 'number' || typeof completed !== 'number') throw new Error('not laid out as expedited grace periods');
        return { waiter, completed };
      },
    });
  }

  *synchronize(self: ExecutionContext): KernelCode<void> {
    yield* mutexLock(this.mutex, self);
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

  /** rcu_report_exp_rdp(): one CPU done; the last one wakes the caller. */
  *report(): KernelCode<void> {
    if ((yield atomicAdd(this.remaining, -1)) === 0) yield wakeUpProcess(this.waiter);
  }

  /** rcu_exp_handler(), on the interrupted CPU. */
  private *handler(irq: ExecutionContext): KernelCode<void> {
    if ((yield load(perCpuPtr(this.data, irq.cpu, NESTING))) === 0) {
      yield* this.report();
      return;
    }
    yield store(perCpuPtr(this.data, irq.cpu, EXP_NEEDED), 1);
  }
}
