import { check, type ExecutionContext, type KernelCode } from '../ops.js';

// Every function that may sleep begins with might_sleep(): under CONFIG_DEBUG_ATOMIC_SLEEP a call
// from interrupt context, or with preemption or interrupts off, is reported. Here it is a fault
// with the trace; when the caller may sleep it costs no step. So is a call from a task whose state
// is no longer TASK_RUNNING.

/** Faults, in Linux's wording, when the caller may not sleep. `where` names the function. */
export function* mightSleep(self: ExecutionContext, where: string): KernelCode<void> {
  // __might_sleep(): a task that has set itself to sleep (set_current_state) and then calls
  // something that may sleep would have its state reset to running by that sleep, losing the
  // wakeup it is waiting for; the kernel warns at once.
  if (self.taskState !== 'TASK_RUNNING') {
    yield check(false, `WARNING: do not call blocking ops when !TASK_RUNNING; state=${self.taskState} at ${where}\npid: ${self.pid}, name: ${self.comm}`);
    return;
  }
  if (!self.inIrq && self.preemptCount === 0 && !self.irqsDisabled) return;
  const inAtomic = self.inIrq || self.preemptCount > 0 ? 1 : 0;
  const context = self.inIrq ? ' (called from interrupt context)' : '';
  yield check(
    false,
    `BUG: sleeping function called from invalid context at ${where}${context}\n` +
      `in_atomic(): ${inAtomic}, irqs_disabled(): ${self.irqsDisabled ? 1 : 0}, pid: ${self.pid}, name: ${self.comm}`,
  );
}
