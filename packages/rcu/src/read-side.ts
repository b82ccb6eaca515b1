import { check, load, localAdd, preemptDisable, preemptEnable, type ExecutionContext, type KernelCode } from '@kmodsim/cpu';
import { perCpuPtr, type PerCpuVar } from '@kmodsim/percpu';

// The read side. rcu_read_lock() is preempt_disable() plus, as CONFIG_PROVE_RCU keeps, a
// nesting count: here a per-CPU local_t (the section cannot leave its CPU). rcu_read_unlock()
// is the matching preempt_enable(): in this flavour (CONFIG_PREEMPT_RCU off) it reports
// nothing. Reporting an expedited grace period's quiescent state there would be wrong anyway
// when the section sits inside a longer stretch with preemption off, which is a reader too; the
// report waits for the CPU's next context switch (expedited.ts).

/** Cells of each CPU's rcu_data. */
export const NESTING = 0;
/** rcu_data.cpu_no_qs.b.exp: an expedited grace period waits for this CPU's next context switch. */
export const EXP_NEEDED = 1;
export const RCU_DATA_CELLS = 2;

export class ReadSide {
  constructor(private readonly data: PerCpuVar) {}

  nestingCell(cpu: number): number {
    return perCpuPtr(this.data, cpu, NESTING);
  }

  *lock(self: ExecutionContext): KernelCode<void> {
    yield preemptDisable();
    yield localAdd(this.nestingCell(self.cpu), 1);
  }

  *unlock(self: ExecutionContext): KernelCode<void> {
    const nesting = this.nestingCell(self.cpu);
    const depth = yield load(nesting);
    if (depth <= 0 || self.preemptCount === 0) {
      yield check(
        false,
        `WARNING: bad unlock balance detected!\n${self.comm}/${self.pid} is trying to release lock (rcu_read_lock) at rcu_read_unlock() but there are no more locks to release!`,
      );
      return;
    }
    yield localAdd(nesting, -1);
    yield preemptEnable();
  }

  /** Whether the task or handler running on `cpu` is inside a section (host-side, for lockdep-style checks). */
  depthNow(read: (address: number) => number, cpu: number): number {
    return read(this.nestingCell(cpu));
  }
}
