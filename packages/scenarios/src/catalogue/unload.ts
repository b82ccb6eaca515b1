import { cpuRelax, keptList, load, MUTEX_CELLS, mutexAt, mutexFields, mutexLock, mutexUnlock, store, type KernelCode } from '@kmodsim/cpu';
import { closeDevice, readDevice, type ModuleContext } from '@kmodsim/module';
import { cell } from '../contract.js';
import { demoModuleLoads } from '../demo/loads.js';
import { defineScenario, type ScenarioBody } from '../scenario.js';
import { unload, unloadConsistent, unloadRecord, useDevice } from '../users.js';

// rmmod as kmod runs it (O_NONBLOCK) against users taking references in every way the kernel
// takes them: under a lookup's spinlock, under a mutex with preemption on, and holding the
// reference across a reschedule.

export const unloadVersusGet = defineScenario(
  'unload-vs-get',
  'rmmod (O_NONBLOCK) on CPU 0 against try_module_get -> call into the module -> module_put on CPU 1',
  {
    cpuCount: 2, modules: ['demo_lib', 'demo_chardev'],
    catches: 'an unload decided on a count that a get can still change (a get slipping in after the count was read)',
    exercises: [cell('tryGet', 'stop', 'preempt-off')],
  },
  userAgainstUnload(1, false),
);

export const unloadVersusUse = defineScenario(
  'unload-vs-use',
  'rmmod demo_chardev on CPU 0 while CPU 1 opens the device, reads and closes it: either rmmod is refused, or the open is, never a call into freed code',
  {
    cpuCount: 2, modules: ['demo_lib', 'demo_chardev'], kind: 'demonstration',
    catches: 'an unload that frees a module in use',
    exercises: [],
  },
  (machine, core) => {
    const record = unloadRecord(machine);
    machine.spawn({ name: 'cat', cpu: 1, body: function* (self) { yield* useDevice(core, self, 1); } });
    machine.spawn({ name: 'rmmod', cpu: 0, body: function* (self) { yield* unload(core, self, record); } });
    return () => unloadConsistent(core, record);
  },
);

/**
 * misc_open() (drivers/char/misc.c) takes the driver's reference with fops_get() under misc_mtx,
 * a mutex: preemption is on, so a strategy's own get_cpu()/preempt_disable() is all that keeps
 * its test of `live` and its increment together. The driver's exit unregisters under the same
 * mutex, which is what keeps the module's memory there while the opener looks at it.
 */
export const miscOpenVersusUnload = defineScenario(
  'misc-open-vs-unload',
  'rmmod (O_NONBLOCK) on CPU 0 while CPU 1 opens a misc device: try_module_get runs under a mutex with preemption on, so it may be preempted, or migrate, at any step',
  {
    cpuCount: 2, modules: ['demo_lib'],
    catches: 'a try_module_get whose test of live and whose increment are not in one preempt-off section (a get granted on a module already going)',
    exercises: [cell('tryGet', 'stop', 'preemptible'), cell('put', 'stop', 'preemptible')],
  },
  (machine, core) => {
    const miscMutex = mutexAt(machine, 'misc_mtx', machine.alloc('misc_mtx', MUTEX_CELLS, { lineAligned: true, fields: mutexFields('misc_mtx') }).base);
    const registered = machine.alloc('misc_list: demo_chardev', 1).base;
    const base = demoModuleLoads['demo_chardev'];
    if (base === undefined) throw new Error('the demo kernel has no demo_chardev');
    const behaviour = {
      ...base.behaviour,
      *init(context: ModuleContext): KernelCode<number> {
        yield* mutexLock(miscMutex, context.self);
        yield store(registered, 1);
        yield* mutexUnlock(miscMutex, context.self);
        return 0;
      },
      *exit(context: ModuleContext): KernelCode<void> {
        yield* mutexLock(miscMutex, context.self);
        yield store(registered, 0);
        yield* mutexUnlock(miscMutex, context.self);
      },
    };
    // The driver loads at boot, before the race begins.
    machine.spawn({ name: 'insmod', cpu: 0, bound: true, body: function* (self) { yield* core.initModule(self, { ...base, behaviour }); } });
    const booted = machine.run();
    if (!booted.ok) throw new Error(`loading the misc driver faulted: ${booted.fault.message}`);
    const module = core.find('demo_chardev');
    if (module === undefined) throw new Error('the misc driver did not load');
    const record = unloadRecord(machine);
    machine.spawn({ name: 'cat', cpu: 1, body: function* (self) {
      yield* mutexLock(miscMutex, self);
      const got = (yield load(registered)) === 1 && (yield* core.tryModuleGet(self, module));
      yield* mutexUnlock(miscMutex, self);
      if (!got) return;
      yield* readDevice(core, self, module);
      yield* closeDevice(core, self, module);
    } });
    machine.spawn({ name: 'rmmod', cpu: 0, bound: true, body: function* (self) { yield* unload(core, self, record); } });
    return () => unloadConsistent(core, record);
  },
);

/**
 * A user that holds its reference across a reschedule (cond_resched() in a read loop) against an
 * unload: a design that frees after an RCU grace period, taking every holder for a reader inside
 * a read-side section, frees under this user.
 */
export const reschedulingReaderVersusUnload = defineScenario(
  'rescheduling-reader-vs-unload',
  'rmmod (O_NONBLOCK) on CPU 0 while a user on CPU 1 opens the device, reads, calls cond_resched(), reads again and closes: holding a reference is not an RCU read-side section',
  {
    cpuCount: 2, modules: ['demo_lib', 'demo_chardev'],
    catches: 'an unload that waits for a grace period instead of for the count (a holder that reschedules is not an RCU reader)',
    exercises: [cell('tryGet', 'stop', 'preempt-off')],
  },
  // RCU's quiescent-state kthread of CPU 1 waits for the CPU while a grace period runs, so the
  // reader's cond_resched() does switch to it then.
  userAgainstUnload(2, true),
);

/**
 * A user on CPU 1 (open, `reads` reads, close) against rmmod as kmod runs it on CPU 0. A refusal
 * is right only while the user is there: once it has closed, rmmod is run again and must unload
 * (a refusal that left the count or the module's state behind shows here).
 */
function userAgainstUnload(reads: number, yieldBetweenReads: boolean): ScenarioBody {
  return (machine, core) => {
    const record = unloadRecord(machine);
    const done = machine.alloc('cat: finished', 1).base;
    const answers = keptList<string>(machine, 'what rmmod returned each time');
    machine.spawn({ name: 'cat', cpu: 1, bound: true, body: function* (self) {
      yield* useDevice(core, self, reads, yieldBetweenReads);
      yield store(done, 1);
    } });
    machine.spawn({ name: 'rmmod', cpu: 0, bound: true, body: function* (self) {
      yield* unload(core, self, record);
      answers.push(record.rmmod ?? 'no answer');
      if (record.rmmod === 'ok') return;
      while ((yield load(done)) === 0) yield cpuRelax();
      yield* unload(core, self, record);
      answers.push(record.rmmod ?? 'no answer');
    } });
    return () => {
      if (answers.length === 2 && answers[1] !== 'ok') return `rmmod was refused (${answers[0]}) while the user held the device, and again (${answers[1]}) after the user had closed it: a refused unload left the module unremovable`;
      return unloadConsistent(core, record);
    };
  };
}
