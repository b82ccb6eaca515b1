import { load, schedule, setCurrentState, type KernelCode, type SleepState } from '../ops.js';

// wait_event(): the sleep loop every waiter in the kernel writes. The task state is set before
// the condition is read, so a waker that changes the cell and then calls wake_up_process()
// either is seen by the read or finds the task about to sleep and keeps it running: no wakeup
// can be lost between the test and the sleep.

/** Sleeps until `done` holds for the value of `cell`; resumes with that value. */
export function* waitEvent(cell: number, done: (value: number) => boolean, state: SleepState = 'TASK_UNINTERRUPTIBLE'): KernelCode<number> {
  while (true) {
    yield setCurrentState(state);
    const value = yield load(cell);
    if (done(value)) {
      yield setCurrentState('TASK_RUNNING');
      return value;
    }
    yield schedule();
  }
}
