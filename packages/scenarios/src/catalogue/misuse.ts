import { cpuRelax, load, store } from '@kmodsim/cpu';
import { closeDevice, openDevice } from '@kmodsim/module';
import { ModuleState } from '@kmodsim/refcount';
import { defineScenario, type ScenarioBody } from '../scenario.js';

// A driver that drops its module one reference too many is a common kernel bug, and a refcount
// design must say so (the kernel WARNs in module_put, or BUGs when the unload finds the count
// below its base) rather than let the count wrap and free the module under its next user. Every
// sound design shows an assertion here; a design, or a change to one, that stays quiet is caught.

/** One open, its close, then `extra` more module_put calls; then rmmod if `thenUnload`. */
function buggyClose(extra: number, thenUnload: boolean): ScenarioBody {
  return (machine, core) => {
    machine.spawn({ name: 'buggy-close', cpu: 0, body: function* (self) {
      const open = yield* openDevice(core, self, 'demo_chardev');
      if (!open.ok) return;
      yield* closeDevice(core, self, open.value);
      for (let put = 0; put < extra; put++) yield* core.modulePut(self, open.value);
      if (thenUnload) yield* core.deleteModule(self, 'demo_chardev', { nonblock: true, trunc: false });
    } });
    return undefined;
  };
}

export const putTooMany = defineScenario(
  'put-too-many',
  'a driver whose release drops its module reference twice (one open, two module_put calls), then rmmod: the imbalance must be reported (WARN or BUG), at the put or at the unload',
  {
    cpuCount: 1, modules: ['demo_lib', 'demo_chardev'], expected: ['assertion'], bounds: { preemptions: 1, irqs: 0 },
    catches: 'a put too many that goes unreported (the count wraps, or the unload proceeds on a count below zero)',
    exercises: [],
  },
  buggyClose(1, true),
);

export const putsPastZero = defineScenario(
  'puts-past-zero',
  'a driver that drops its module reference three times for one open, with no unload: every put past the last reference must be reported, and none may take the count below zero unnoticed',
  {
    cpuCount: 1, modules: ['demo_lib', 'demo_chardev'], expected: ['assertion'], bounds: { preemptions: 1, irqs: 0 },
    catches: 'a module_put whose underflow check is missing or off by one (a count that a biased design keeps at zero stays silent)',
    exercises: [],
  },
  buggyClose(2, false),
);

/**
 * The same bug while rmmod --wait sleeps for the user: its close drops the reference twice. The
 * count the waiter reads goes below zero, and a design must report it rather than read a wrapped
 * count as users still there (the waiter would sleep for ever) or as none (and go on regardless).
 */
export const putTooManyWhileWaiting = defineScenario(
  'put-too-many-while-waiting',
  'rmmod --wait on CPU 0 while a user on CPU 1 holds the device; the user\'s release drops its reference twice: the imbalance must be reported while the unloader waits',
  {
    cpuCount: 2, modules: ['demo_lib', 'demo_chardev'], expected: ['assertion'], needsWaitingUnload: true,
    catches: 'a put too many during an unload that a design misreads as users still there, or not at all',
    exercises: [],
  },
  (machine, core) => {
    const holding = machine.alloc('cat: device open', 1).base;
    machine.spawn({ name: 'buggy-close', cpu: 1, bound: true, body: function* (self) {
      const open = yield* openDevice(core, self, 'demo_chardev');
      if (!open.ok) return;
      yield store(holding, 1);
      while ((yield load(open.value.cells.state)) !== ModuleState.GOING) yield cpuRelax();
      yield* closeDevice(core, self, open.value);
      yield* core.modulePut(self, open.value);
    } });
    machine.spawn({ name: 'rmmod', cpu: 0, bound: true, body: function* (self) {
      while ((yield load(holding)) === 0) yield cpuRelax();
      yield* core.deleteModule(self, 'demo_chardev', { nonblock: false, trunc: false });
    } });
    return undefined;
  },
);
