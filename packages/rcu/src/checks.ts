import { check, mightSleep, type ExecutionContext, type KernelCode } from '@kmodsim/cpu';

// What CONFIG_PROVE_RCU reports when a grace-period wait is called inside a read-side section
// (the grace period would wait for the caller itself), and might_sleep()'s report where
// sleeping is not allowed. Faults with the trace; no step when all is well.

export function* mightSleepOutsideReader(self: ExecutionContext, what: string, readerDepth: number): KernelCode<void> {
  if (readerDepth > 0 && !self.inIrq) {
    yield check(false, `WARNING: suspicious RCU usage: Illegal ${what}() in RCU read-side critical section (${self.comm}/${self.pid})`);
    return;
  }
  yield* mightSleep(self, `kernel/rcu/tree.c (${what})`);
}
