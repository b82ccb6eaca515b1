import { check, load, localAdd, localIrqRestore, localIrqSave, preemptDisable, preemptEnable, store, type ExecutionContext, type KernelCode } from '@kmodsim/cpu';
import { perCpuPtr, type PerCpuVar } from '@kmodsim/percpu';

// The read side. rcu_read_lock() is preempt_disable() plus, as CONFIG_PROVE_RCU keeps, a
// nesting count: here a per-CPU local_t (the section cannot leave its CPU), which also lets an
// expedited grace period's IPI see whether it interrupted a reader. An expedited grace period
// that finds a reader leaves a flag; the outermost rcu_read_unlock() reports for it.

/** Cells of each CPU's rcu_data. */
export const NESTING = 0;
export const EXP_NEEDED = 1;
export const RCU_DATA_CELLS = 2;

export class ReadSide {
  constructor(private readonly data: PerCpuVar, private readonly reportExpedited: () => KernelCode<void>) {}

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
    if (depth === 1) {
      const flag = perCpuPtr(this.data, self.cpu, EXP_NEEDED);
      if ((yield load(flag)) === 1) yield* this.unlockSpecial(flag);
    }
    yield preemptEnable();
  }

  /**
   * rcu_read_unlock_special(): report for the expedited grace period that found this CPU in a
   * section. Interrupts go off first and the flag is read again, because a reader in an
   * interrupt handler may already have reported it; reporting twice would end the grace period
   * early.
   */
  private *unlockSpecial(flag: number): KernelCode<void> {
    const irqFlags = yield localIrqSave();
    if ((yield load(flag)) === 1) {
      yield store(flag, 0);
      yield* this.reportExpedited();
    }
    yield localIrqRestore(irqFlags);
  }

  /** Whether the task or handler running on `cpu` is inside a section (host-side, for lockdep-style checks). */
  depthNow(read: (address: number) => number, cpu: number): number {
    return read(this.nestingCell(cpu));
  }
}
