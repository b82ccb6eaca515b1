import { load, store, wakeUpProcess, type ExecutionContext, type KernelCode } from '@kmodsim/cpu';
import { closeDevice, openDevice, readDevice } from '@kmodsim/module';
import { defineScenario } from '../scenario.js';
import { referencesLeaked, waitWhile } from '../users.js';

// References taken and dropped by interrupt handlers on the CPU a task also counts on: what a
// local_t must survive (an update torn by an interrupt is lost).

/** References taken and dropped by a task and by interrupt handlers on the same CPU. */
export const irqGetPut = defineScenario(
  'irq-get-put',
  'a task and interrupt handlers on the same CPU take and drop references to demo_lib: no update is lost',
  {
    cpuCount: 1, modules: ['demo_lib'], bounds: { preemptions: 1, irqs: 1 },
    catches: 'a get or put that is not safe against an interrupt on its own CPU: a lock taken with interrupts on, which the handler\'s get then spins on for ever (a torn local increment needs irq-get-worker-put, where the handler keeps its reference)',
    exercises: [],
  },
  (machine, core) => {
    const lib = core.find('demo_lib');
    if (lib === undefined) throw new Error('demo_lib did not load');
    const before = lib.refcount?.count() ?? 0;
    const getPut = function* (self: ExecutionContext): KernelCode<void> {
      if (yield* core.tryModuleGet(self, lib)) {
        yield* core.call(self, lib, 'demo_lib_notify');
        yield* core.modulePut(self, lib);
      }
    };
    machine.spawn({ name: 'worker', cpu: 0, body: function* (self) {
      for (let round = 0; round < 3; round++) yield* getPut(self);
    } });
    machine.addIrqSource({ name: 'nic', limit: 2, handler: getPut });
    return () => {
      const after = lib.refcount?.count() ?? 0;
      return after === before ? undefined : `refcount is ${after} after balanced gets and puts, expected ${before}: an update was lost`;
    };
  },
);

/**
 * A device interrupt takes a module reference for the work it defers, and a kworker drops it
 * once the work has run (as a driver's interrupt handler pins its module while a work item of its
 * is queued). A task on the same CPU opens, reads and closes the device meanwhile. The handler's
 * net effect on the CPU's count is +1, so a local increment that an interrupt can tear loses it
 * (the balanced get and put of irq-get-put cannot show that).
 */
export const irqGetWorkerPut = defineScenario(
  'irq-get-worker-put',
  'an interrupt on CPU 0 takes a module reference for deferred work that a kworker drops after running it, while a task on CPU 0 opens, reads and closes the device (flushing the work): no update may be lost, the count ends at 0',
  {
    cpuCount: 1, modules: ['demo_lib', 'demo_chardev'], bounds: { preemptions: 1, irqs: 1 },
    catches: 'a local increment that an interrupt on the same CPU can tear, where the handler\'s net effect is a reference held',
    exercises: [],
  },
  (machine, core) => {
    const module = core.find('demo_chardev');
    if (module === undefined) throw new Error('the demo kernel has no demo_chardev');
    // The device may interrupt until the user, done with it, masks it; the work item is 0 when
    // idle, 1 while queued (holding its reference) and 2 once the kworker has run it and dropped it.
    const masked = machine.alloc('device: interrupt masked', 1).base;
    const workState = machine.alloc('device: deferred work', 1).base;
    let catPid = 0;
    const kworker = machine.spawn({ name: 'kworker/0:1', cpu: 0, bound: true, daemon: true, body: function* (self) {
      yield* waitWhile(workState, (state) => state !== 1);
      yield* readDevice(core, self, module);
      yield* core.modulePut(self, module);
      yield store(workState, 2);
      yield wakeUpProcess(catPid);
    } });
    machine.addIrqSource({ name: 'demo_chardev', cpus: [0], limit: 1, handler: function* (self: ExecutionContext) {
      if ((yield load(masked)) === 1) return;
      if (!(yield* core.tryModuleGet(self, module))) return;
      yield store(workState, 1);
      yield wakeUpProcess(kworker);
    } });
    catPid = machine.spawn({ name: 'cat', cpu: 0, bound: true, body: function* (self) {
      const open = yield* openDevice(core, self, 'demo_chardev');
      if (!open.ok) return;
      yield* readDevice(core, self, open.value);
      yield* closeDevice(core, self, open.value);
      yield store(masked, 1);
      // flush_work(): the deferred work, if any was queued, has run and dropped its reference.
      yield* waitWhile(workState, (state) => state === 1);
    } });
    return () => {
      return referencesLeaked(module);
    };
  },
);

