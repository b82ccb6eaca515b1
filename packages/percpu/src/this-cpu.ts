import { check, preemptDisable, preemptEnable, type ExecutionContext, type KernelCode } from '@kmodsim/cpu';
import { perCpuPtr, type PerCpuVar } from './percpu-var.js';

// The current CPU's number means something only while the task cannot move: with preemption off,
// with interrupts off, or in an interrupt handler. CONFIG_DEBUG_PREEMPT checks every use of
// smp_processor_id() and of the __this_cpu ops for that; so do these, as machine faults that
// carry the trace. (Linux also accepts a task bound to a single CPU; the machine does not show
// a task its binding, so a bound kthread here must still disable preemption.)

function pinned(self: ExecutionContext): boolean {
  return self.preemptCount > 0 || self.irqsDisabled || self.inIrq;
}

function* requirePinned(self: ExecutionContext, what: string): KernelCode<void> {
  if (!pinned(self)) {
    yield check(false, `BUG: using ${what} in preemptible [00000000] code: ${self.comm}/${self.pid}`);
  }
}

/** smp_processor_id(): the current CPU; a fault when the caller could migrate. */
export function* smpProcessorId(self: ExecutionContext): KernelCode<number> {
  yield* requirePinned(self, 'smp_processor_id()');
  return self.cpu;
}

/** get_cpu(): disables preemption and resumes with the current CPU. */
export function* getCpu(self: ExecutionContext): KernelCode<number> {
  yield preemptDisable();
  return self.cpu;
}

/** put_cpu(): enables preemption again; a fault when no get_cpu() is outstanding. */
export function* putCpu(self: ExecutionContext): KernelCode<void> {
  if (self.preemptCount === 0) {
    yield check(false, `BUG: put_cpu() without get_cpu() in ${self.comm}/${self.pid}: preempt count would go below zero`);
    return;
  }
  yield preemptEnable();
}

/**
 * this_cpu_ptr(): the address of `cell` in the current CPU's instance. Like __this_cpu_ptr under
 * CONFIG_DEBUG_PREEMPT, a fault when the caller could migrate before it uses the address.
 */
export function* thisCpuPtr(self: ExecutionContext, variable: PerCpuVar, cell = 0): KernelCode<number> {
  yield* requirePinned(self, `this_cpu_ptr(${variable.name})`);
  return perCpuPtr(variable, self.cpu, cell);
}
