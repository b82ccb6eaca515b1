import { alloc, cpuRelax, free, keptList, load, sendIpi, spinLock, spinlockAt, spinlockFields, spinUnlock, store, type ExecutionContext, type KernelCode, type Machine, type Spinlock } from '@kmodsim/cpu';
import { closeDevice, openDevice, type KernelModule, type ModuleContext, type ModuleCore } from '@kmodsim/module';
import { ModuleState } from '@kmodsim/refcount';
import { cell, type ContractCell } from '../contract.js';
import { demoModuleLoads } from '../demo/loads.js';
import { defineScenario } from '../scenario.js';
import { memoryLeaked, msleep, resultText, spawnUnloaderOnceHeld, unloaderAsleep, unloadConsistent, unloadRecord } from '../users.js';

// References dropped where the unloader's wait must still see them: by a transfer's completion
// interrupt (a driver's submit pins its module, the interrupt that completes the transfer drops
// that reference) and under a spinlock (preemption off), while rmmod --wait sleeps or a failed
// init waits for the users it let in early.

/** The driver's lock, under which its release drops the module reference its open took. */
function deviceLock(machine: Machine): Spinlock {
  return spinlockAt('device: demo_chardev lock', machine.alloc('device: demo_chardev lock', 2, { lineAligned: true, fields: spinlockFields('device: demo_chardev lock') }).base);
}

/** close(2) of a driver that drops its module reference under its own spinlock (preemption off). */
function* closeLocked(core: ModuleCore, self: ExecutionContext, module: KernelModule, lock: Spinlock): KernelCode<void> {
  yield* core.call(self, module, 'release');
  yield* spinLock(lock);
  yield* core.modulePut(self, module);
  yield* spinUnlock(lock);
}

/**
 * A transfer submitted: the driver pins its module for it (the caller holds a reference, so
 * __module_get), and the device raises its completion interrupt on `cpu` once it is done, whose
 * handler drops that reference. The interrupt is certain to come; only when is open.
 */
function* submitTransfer(core: ModuleCore, self: ExecutionContext, module: KernelModule, cpu: number): KernelCode<void> {
  yield* core.moduleGet(self, module);
  yield* completeTransfer(core, module, cpu);
}

/** The device raises a transfer's completion interrupt on `cpu`; its handler drops the transfer's reference. */
function* completeTransfer(core: ModuleCore, module: KernelModule, cpu: number): KernelCode<void> {
  yield sendIpi(cpu, 'demo_chardev: transfer complete', function* (irq: ExecutionContext): KernelCode<void> {
    yield* core.modulePut(irq, module);
  });
}

/**
 * A user on CPU 1 opens the device and holds it while rmmod --wait on CPU 0 begins; once the
 * module is going it runs `whileGoing`, which must drop the open's reference. Returns the check.
 */
function userWhileWaitingUnload(machine: Machine, core: ModuleCore, whileGoing: (self: ExecutionContext, module: KernelModule) => KernelCode<void>): () => string | undefined {
  const module = core.find('demo_chardev');
  if (module === undefined) throw new Error('the demo kernel has no demo_chardev');
  const holding = machine.alloc('app: device open', 1).base;
  const record = unloadRecord(machine);
  machine.spawn({ name: 'app', cpu: 1, bound: true, body: function* (self) {
    const open = yield* openDevice(core, self, 'demo_chardev');
    if (!open.ok) return;
    yield store(holding, 1);
    while ((yield load(module.cells.state)) !== ModuleState.GOING) yield cpuRelax();
    yield* whileGoing(self, module);
  } });
  spawnUnloaderOnceHeld(machine, core, holding, record, { wait: true });
  return () => unloadConsistent(core, record);
}

/**
 * rmmod --wait while a user holds the device: once the module is going the user submits a
 * transfer (__module_get with preemption on), tries to open the device again through its inode
 * (chrdev_open's fops_get: try_module_get with preemption on, refused), and closes, dropping its
 * reference under the driver's spinlock; the transfer's completion interrupt drops the other.
 * Either put may be the last, with the unloader asleep or already on its way to freeing.
 */
export const transferCompletionVersusWait = defineScenario(
  'transfer-completion-vs-wait',
  'rmmod --wait on CPU 0 while a user on CPU 1 holds the device; once the module is going the user submits a transfer (__module_get), is refused a second open (try_module_get, preemption on) and closes under the driver\'s spinlock, while the transfer\'s completion interrupt on CPU 1 drops the transfer\'s reference: the unload must wait for both puts and free nothing under either',
  {
    cpuCount: 2, modules: ['demo_lib', 'demo_chardev'], needsWaitingUnload: true, bounds: { preemptions: 1, irqs: 0 },
    catches: 'a put from interrupt context or with preemption off that the waiting unloader misses, or that still reads the module when it is freed, and a preemptible get during the wait that is granted or counted wrong',
    exercises: [
      cell('get', 'wait', 'preemptible'), cell('tryGet', 'wait', 'preemptible'),
      cell('put', 'stop', 'preempt-off'), cell('put', 'wait', 'preempt-off'), cell('put', 'wait', 'irq'),
    ],
  },
  (machine, core) => {
    const lock = deviceLock(machine);
    const refused = keptList<string>(machine, 'opens refused');
    const check = userWhileWaitingUnload(machine, core, function* (self, module) {
      yield* submitTransfer(core, self, module, 1);
      if (yield* core.tryModuleGet(self, module)) {
        refused.push('a second open got a reference on a module that is going');
        yield* core.modulePut(self, module);
      }
      yield* closeLocked(core, self, module, lock);
    });
    return () => refused[0] ?? check();
  },
);

/**
 * rmmod --wait while a user holds the device; once the module is going the user closes, and the
 * driver's release drops the module reference under its spinlock. That put is the last: it wakes
 * the unloader, which may reach free_module while the put, preemption off, is still finishing.
 */
export const lockedCloseVersusWait = defineScenario(
  'locked-close-vs-wait',
  'rmmod --wait on CPU 0 while a user on CPU 1 holds the device; once the module is going the user closes it, the driver dropping the module reference under its spinlock: the last put wakes the unloader, and the module must not be freed while that put is still in flight',
  {
    cpuCount: 2, modules: ['demo_lib', 'demo_chardev'], needsWaitingUnload: true, bounds: { preemptions: 2, irqs: 0 },
    catches: 'a module freed while the last put, with preemption off, still reads it, or a put with preemption off that the waiting unloader misses',
    exercises: [cell('put', 'stop', 'preempt-off'), cell('put', 'wait', 'preempt-off'), cell('put', 'before-free', 'preempt-off')],
  },
  (machine, core) => {
    const lock = deviceLock(machine);
    return userWhileWaitingUnload(machine, core, (self, module) => closeLocked(core, self, module, lock));
  },
);

/** What the user of a failed-init scenario does once it has opened the device (the device's flag for the probe given). */
type EarlyUser = (core: ModuleCore, self: ExecutionContext, module: KernelModule, signalProbe: () => KernelCode<void>, lock: Spinlock) => KernelCode<void>;

/**
 * A module that registers its device, goes live (the seed's two-state init) and waits until a user
 * on CPU 1 has the device open (and, for some, a transfer under way), then fails its init with
 * -ENODEV: the core must wait for that user's references before it frees the module.
 */
function failedInitWithEarlyUser(name: string, description: string, settings: { preemptions: number; catches: string; exercises: readonly ContractCell[] }, user: EarlyUser) {
  return defineScenario(name, description, {
    cpuCount: 2, modules: ['demo_lib'], bounds: { preemptions: settings.preemptions, irqs: 0 }, catches: settings.catches, exercises: settings.exercises,
  }, (machine, core) => {
    const base = demoModuleLoads['demo_chardev'];
    if (base === undefined) throw new Error('the demo kernel has no demo_chardev');
    const lock = deviceLock(machine);
    const ready = machine.alloc('device: registered and live', 1).base;
    const answered = machine.alloc('device: first request answered', 1).base;
    const results = keptList<string>(machine, 'what the tasks saw');
    const init = function* (context: ModuleContext): KernelCode<number> {
      yield* context.registerChrdev('demo_chardev');
      yield* context.module.goLive();
      yield store(ready, 1);
      // The probe waits for the device to answer its first request, which reports an error.
      while ((yield load(answered)) === 0) yield cpuRelax();
      yield* context.unregisterChrdev('demo_chardev');
      return -19;
    };
    machine.spawn({ name: 'insmod', cpu: 0, bound: true, body: function* (self) {
      results.push(resultText(yield* core.initModule(self, { ...base, behaviour: { ...base.behaviour, init } })));
    } });
    machine.spawn({ name: 'app', cpu: 1, bound: true, body: function* (self) {
      while ((yield load(ready)) === 0) yield cpuRelax();
      const module = core.find('demo_chardev');
      const open = yield* openDevice(core, self, 'demo_chardev');
      if (module === undefined || !open.ok) {
        results.push('the open of a live device was refused');
        return;
      }
      yield* user(core, self, module, function* () { yield store(answered, 1); }, lock);
    } });
    return () => {
      if (results.length !== 1 || results[0] !== 'ENODEV') return `saw [${results.join(', ')}], expected [ENODEV] (insmod's answer)`;
      return core.find('demo_chardev') === undefined ? memoryLeaked(core, 'demo_chardev') : 'the module whose init failed is still loaded';
    };
  });
}

/** The user closes, dropping its reference under the driver's spinlock, while the failed load unwinds. */
export const lockedCloseVersusFailedInit = failedInitWithEarlyUser(
  'locked-close-vs-failed-init',
  'insmod on CPU 0 of a module that registers its device, goes live, waits until a user on CPU 1 has opened it, then fails its init with -ENODEV; the user closes, dropping its reference under the driver\'s spinlock: the failed load must wait for that put and free nothing under it',
  {
    preemptions: 1,
    catches: 'a failed init that frees the module before, or while, a put with preemption off drops the last reference',
    exercises: [cell('put', 'init-wait', 'preempt-off'), cell('put', 'init-free', 'preempt-off')],
  },
  function* (core, self, module, signalProbe, lock) {
    yield* signalProbe();
    yield* closeLocked(core, self, module, lock);
  },
);

/**
 * The user, who opened the module while its init had made it live, pins it again with
 * __module_get once the failed load sleeps in its wait for users: from its task, under the
 * driver's spinlock and from a receive interrupt. Each is a reference the wait must count; then
 * the user drops all three and closes, and the failed load goes on.
 */
export const moduleGetDuringFailedInit = failedInitWithEarlyUser(
  'module-get-during-failed-init',
  'insmod on CPU 0 of a module that registers its device, goes live, waits until a user on CPU 1 has opened it, then fails its init with -ENODEV; while the failed load sleeps in its wait for users, the user pins the module with __module_get from its task, under the driver\'s spinlock and from a receive interrupt, then drops the three and closes: the wait must count each',
  {
    preemptions: 0,
    catches: 'a failed load\'s wait that misses an unconditional get made while it sleeps (the module freed while the user still pins it), in any context',
    exercises: [cell('get', 'init-wait', 'preemptible'), cell('get', 'init-wait', 'preempt-off'), cell('get', 'init-wait', 'irq')],
  },
  function* (core, self, module, signalProbe, lock) {
    yield* signalProbe();
    while (!unloaderAsleep(core.machine, module)) yield* msleep(2000);
    yield* core.moduleGet(self, module);
    yield* spinLock(lock);
    yield* core.moduleGet(self, module);
    yield* spinUnlock(lock);
    const pinned = yield alloc('device: data queued', 1);
    yield sendIpi(1, 'demo_chardev: data received', function* (irq: ExecutionContext): KernelCode<void> {
      yield* core.moduleGet(irq, module);
      yield store(pinned, 1);
    });
    while ((yield load(pinned)) === 0) yield cpuRelax();
    yield free(pinned);
    for (let pin = 0; pin < 3; pin++) yield* core.modulePut(self, module);
    yield* closeDevice(core, self, module);
  },
);

/** The user submits a transfer and closes; the transfer's completion interrupt drops the last reference. */
export const transferCompletionVersusFailedInit = failedInitWithEarlyUser(
  'transfer-completion-vs-failed-init',
  'insmod on CPU 0 of a module that registers its device, goes live, waits until a user on CPU 1 has opened it, submitted a transfer (__module_get) and closed it, then fails its init with -ENODEV; the transfer\'s completion interrupt on CPU 1 drops the last reference: the failed load must wait for it',
  {
    // At a preemption bound of 1 the completion's put is also in flight while the module is freed
    // (put/init-free/irq), but percpu-ref's search there passes 60,000 executions.
    preemptions: 0,
    catches: 'a failed init that frees the module while the reference a completion interrupt will drop is still held',
    exercises: [cell('put', 'init-wait', 'irq')],
  },
  function* (core, self, module, signalProbe) {
    yield* submitTransfer(core, self, module, 1);
    yield* closeDevice(core, self, module);
    yield* signalProbe();
  },
);

/**
 * A receive interrupt that pins the module for the data it hands to the reader: the device is
 * open, so a reference is certainly held and the handler may take its own with __module_get (as
 * a driver does for work it defers); the reader drops it once it has consumed the data, then
 * closes. The interrupt comes while rmmod --wait stops the module or sleeps for its users.
 */
export const receiveInterruptVersusWait = defineScenario(
  'receive-interrupt-vs-wait',
  'rmmod --wait on CPU 0 while a user on CPU 1 holds the device; once the module is going, data arrives: the receive interrupt on CPU 1 takes a reference with __module_get for the data it queues, and the user consumes it, drops that reference and closes: the wait must count the interrupt\'s reference',
  {
    cpuCount: 2, modules: ['demo_lib', 'demo_chardev'], needsWaitingUnload: true, bounds: { preemptions: 1, irqs: 0 },
    catches: 'an unconditional get from interrupt context that the stopped or waiting count does not see (the module freed while the data still pins it)',
    exercises: [cell('get', 'stop', 'irq'), cell('get', 'wait', 'irq')],
  },
  (machine, core) => {
    const queued = machine.alloc('device: data queued', 1).base;
    return userWhileWaitingUnload(machine, core, function* (self, module) {
      yield sendIpi(1, 'demo_chardev: data received', function* (irq: ExecutionContext): KernelCode<void> {
        yield* core.moduleGet(irq, module);
        yield store(queued, 1);
      });
      while ((yield load(queued)) === 0) yield cpuRelax();
      yield* core.modulePut(self, module);
      yield* closeDevice(core, self, module);
    });
  },
);

/**
 * A transfer that outlives its file: the user opens the device, submits a transfer (__module_get)
 * and closes, so only the transfer pins the module once rmmod --wait on CPU 0 begins. The device
 * completes it whenever it likes: the completion interrupt on CPU 1 may come before the unload,
 * while it stops the module, just before the unloader sleeps or while it sleeps. When it comes
 * after the stop its put is the last; it wakes the unloader, or lets one that has not slept yet see
 * zero and go on towards free_module at once, while that put is still finishing. The user exits
 * after submitting, so CPU 1 is idle and an RCU grace period needs no preemption there.
 */
export const completionLastPutVersusWait = defineScenario(
  'completion-last-put-vs-wait',
  'a user on CPU 1 opens the device, submits a transfer (__module_get) and closes it; rmmod --wait on CPU 0 begins while the transfer is in flight, and the transfer completes at any point of the unload: its interrupt on CPU 1 drops the last reference and wakes the unloader (or lets it see zero before it sleeps), which must free nothing the interrupt\'s put still reads',
  {
    cpuCount: 2, modules: ['demo_lib', 'demo_chardev'], needsWaitingUnload: true, bounds: { preemptions: 1, irqs: 0 },
    catches: 'a module freed while the last put, in an interrupt handler on another CPU, is still in flight (an unloader that saw zero before it slept frees at once unless it waits out that put), and a last put from interrupt context that never wakes the unloader',
    exercises: [cell('put', 'stop', 'irq'), cell('put', 'wait', 'irq'), cell('put', 'before-free', 'irq')],
  },
  (machine, core) => {
    const module = core.find('demo_chardev');
    if (module === undefined) throw new Error('the demo kernel has no demo_chardev');
    const submitted = machine.alloc('app: transfer submitted', 1).base;
    const record = unloadRecord(machine);
    machine.spawn({ name: 'app', cpu: 1, bound: true, body: function* (self) {
      const open = yield* openDevice(core, self, 'demo_chardev');
      if (!open.ok) return;
      yield* core.moduleGet(self, module);
      yield* closeDevice(core, self, module);
      yield store(submitted, 1);
      yield* completeTransfer(core, module, 1);
    } });
    spawnUnloaderOnceHeld(machine, core, submitted, record, { wait: true });
    return () => unloadConsistent(core, record);
  },
);

/**
 * The failed-init twin: the user opens, submits a transfer and closes, the probe fails, and the
 * device completes the transfer at any point after: before the failed load waits for its users,
 * just before it sleeps, or while it sleeps. Its interrupt's put is the last, and may still be
 * finishing on CPU 1 while the failed load, woken by it or seeing zero first, frees the module.
 */
export const completionLastPutVersusFailedInit = failedInitWithEarlyUser(
  'completion-last-put-vs-failed-init',
  'insmod on CPU 0 of a module that registers its device, goes live, waits until a user on CPU 1 has opened it, submitted a transfer (__module_get) and closed it, then fails its init with -ENODEV; the transfer completes at any point of the failed load\'s wait for its users: its interrupt on CPU 1 drops the last reference and wakes the failed load (or lets it see zero before it sleeps), which must free nothing the interrupt\'s put still reads',
  {
    preemptions: 1,
    catches: 'a failed init that frees the module while the last put, in an interrupt handler on another CPU, is still in flight, and a last put from interrupt context that never wakes the failed load',
    exercises: [cell('put', 'init-wait', 'irq'), cell('put', 'init-free', 'irq')],
  },
  function* (core, self, module, signalProbe) {
    yield* core.moduleGet(self, module);
    yield* closeDevice(core, self, module);
    yield* signalProbe();
    yield* completeTransfer(core, module, 1);
  },
);
