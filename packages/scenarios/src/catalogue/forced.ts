import { keptValue, work } from '@kmodsim/cpu';
import { closeDevice, openDevice, readDevice } from '@kmodsim/module';
import { cell } from '../contract.js';
import { defineScenario } from '../scenario.js';
import { unload, unloadConsistent, unloadRecord, useDevice } from '../users.js';

// rmmod -f on a kernel built with forced unload: the module goes while in use, and its user's
// next call into it oopses. Every design shows it; a search that does not has lost its way.

export const forcedWhileInUse = defineScenario(
  'forced-unload-in-use',
  'rmmod -f on a kernel with forced unload while CPU 1 uses the module, reading in a loop with cond_resched() between reads: the user\'s next call into it, or its put, touches freed memory (an oops)',
  {
    cpuCount: 2, modules: ['demo_lib', 'demo_chardev'], forceUnload: true, expected: ['call-into-freed-code', 'use-after-free'],
    catches: 'nothing: forcing is the one way past every design, and the search must show its oops',
    exercises: [cell('tryGet', 'stop', 'preempt-off')],
  },
  (machine, core) => {
    machine.spawn({ name: 'cat', cpu: 1, bound: true, body: function* (self) { yield* useDevice(core, self, 12, true); } });
    const record = unloadRecord(machine);
    machine.spawn({ name: 'rmmod', cpu: 0, bound: true, body: function* (self) { yield* unload(core, self, record, { force: true }); } });
    return () => unloadConsistent(core, record);
  },
);

/** rmmod -f on a kernel with forced unload: the module goes while used, and its user crashes. */
export const forcedUnload = defineScenario(
  'forced-unload',
  'rmmod -f demo_chardev while a user has it open, on a kernel built with forced unload: the kernel is tainted R and the user\'s next call into the module oopses',
  {
    cpuCount: 2, modules: ['demo_lib', 'demo_chardev'], forceUnload: true, expected: ['call-into-freed-code'], kind: 'demonstration',
    catches: 'nothing: it shows what rmmod -f does to a user',
    exercises: [],
  },
  (machine, core) => {
    const holding = keptValue(machine, 'cat holds the device', false);
    const forced = keptValue(machine, 'rmmod -f succeeded', false);
    machine.spawn({ name: 'cat', cpu: 1, body: function* (self) {
      const open = yield* openDevice(core, self, 'demo_chardev');
      if (!open.ok) return;
      holding.value = true;
      while (!forced.value) yield work(1000, 'sleep');
      yield* readDevice(core, self, open.value);
      yield* closeDevice(core, self, open.value);
    } });
    machine.spawn({ name: 'rmmod', cpu: 0, body: function* (self) {
      while (!holding.value) yield work(500);
      forced.value = (yield* core.deleteModule(self, 'demo_chardev', { nonblock: true, trunc: true })).ok;
    } });
    return () => (core.taints.has('FORCED_RMMOD') ? undefined : 'forced unload did not taint the kernel');
  },
);

