import {
  atomicDec, atomicInc, load, localIrqRestore, localIrqSave, note, schedule, setCurrentState, wakeUpProcess, work,
  type Machine, type Scenario,
} from '@kmodsim/cpu';

/**
 * The heart of `rmmod --wait`, on the bare machine: a user holds a reference to a module; the
 * unloader sleeps in TASK_UNINTERRUPTIBLE until the count is zero, testing it only after setting
 * its state, so the user's final put and wake can never be lost between the test and the sleep.
 */
export const waitForZeroDemo: Scenario = {
  name: 'wait-for-zero',
  description: 'rmmod --wait sleeps until the last user drops its reference and wakes it',
  setup(machine: Machine) {
    const refcount = machine.alloc('demo.refcount', 1, { lineAligned: true }).base;
    machine.write(refcount, 1);
    let unloaderPid = 0;
    machine.spawn({
      name: 'cat',
      cpu: 1,
      body: function* () {
        yield note('read() on /dev/demo: inside the module');
        yield work(4000, 'demo_read');
        const flags = yield localIrqSave();
        const left = yield atomicDec(refcount);
        yield localIrqRestore(flags);
        if (left === 0) yield wakeUpProcess(unloaderPid);
      },
    });
    unloaderPid = machine.spawn({
      name: 'rmmod',
      cpu: 0,
      body: function* () {
        yield note('delete_module("demo", O_TRUNC unset, O_NONBLOCK unset): waiting for users');
        while (true) {
          yield setCurrentState('TASK_UNINTERRUPTIBLE');
          if ((yield load(refcount)) === 0) break;
          yield schedule();
        }
        yield setCurrentState('TASK_RUNNING');
        yield note('refcount is zero: calling demo_exit() and freeing the module');
        yield atomicInc(refcount);
      },
    });
    return (m) => (m.read(refcount) === 1 ? undefined : `unloader did not finish: refcount ${m.read(refcount)}`);
  },
};
