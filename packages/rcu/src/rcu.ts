import type { ExecutionContext, KernelCode } from '@kmodsim/cpu';

// RCU as the seed's successors used it for module unload: readers pay almost nothing, writers
// wait for a grace period. This is the preempt-disable flavour (RCU-sched, and RCU on a
// non-preemptible kernel): a read-side critical section is a stretch of code with preemption
// off, so once every CPU has passed a quiescent state -- a context switch, or idle -- every
// section that began before the grace period has ended.

/** A call_rcu callback; it runs in the grace-period kthread's context once its grace period ends. */
export type RcuCallback = (self: ExecutionContext) => KernelCode<void>;

export interface Rcu {
  /** rcu_read_lock(): enters a read-side critical section (preemption off); sections nest. */
  readLock(self: ExecutionContext): KernelCode<void>;
  /** rcu_read_unlock(); a fault without a matching rcu_read_lock(). */
  readUnlock(self: ExecutionContext): KernelCode<void>;
  /** synchronize_rcu(): sleeps until every read-side critical section that began before it has ended. */
  synchronize(self: ExecutionContext): KernelCode<void>;
  /**
   * synchronize_rcu_expedited(): the same guarantee, got by interrupting every other CPU
   * with an IPI rather than waiting for each to switch tasks: faster, and disturbs every CPU.
   * A CPU the IPI finds busy reports at the context switch it forces, so a stretch with
   * preemption off is waited for as synchronize() waits for it.
   */
  synchronizeExpedited(self: ExecutionContext): KernelCode<void>;
  /** call_rcu(): queues `callback` to run after a grace period that begins after this call; never sleeps. */
  call(self: ExecutionContext, callback: RcuCallback): KernelCode<void>;
  /** rcu_barrier(): sleeps until every callback queued before it has run (what a module's exit must do). */
  barrier(self: ExecutionContext): KernelCode<void>;
  /** Grace periods completed so far, normal and expedited. */
  readonly completed: { readonly normal: number; readonly expedited: number };
}
