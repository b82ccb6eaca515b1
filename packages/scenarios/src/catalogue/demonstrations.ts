import { keptList, keptValue, work } from '@kmodsim/cpu';
import { closeDevice, moduleInfo, openDevice } from '@kmodsim/module';
import { defineScenario } from '../scenario.js';
import { msleep, resultText, unloaderAsleep } from '../users.js';

// The demonstration the README opens with: rmmod --wait puts the module into GOING, refuses a new
// user, and sleeps until the last user's close wakes it. The user paces itself on host state (it
// waits to see the unloader asleep), so this one is watched, not searched.

/** rmmod --wait: the module goes, new users are refused, the unloader sleeps until the last put. */
export const waitForUsers = defineScenario(
  'wait-for-users',
  'rmmod --wait demo_chardev while a user holds it open: the module shows Unloading, a second open is refused, and rmmod finishes once the user closes',
  {
    cpuCount: 2, modules: ['demo_lib', 'demo_chardev'], needsWaitingUnload: true, kind: 'demonstration',
    catches: 'an unload that neither refuses new users nor wakes when the last one leaves',
    exercises: [],
  },
  (machine, core) => {
    const results = keptList<string>(machine, 'what the tasks saw');
    const holding = keptValue(machine, 'cat holds the device', false);
    machine.spawn({ name: 'cat', cpu: 1, body: function* (self) {
      const open = yield* openDevice(core, self, 'demo_chardev');
      if (!open.ok) return;
      holding.value = true;
      while (moduleInfo(open.value).state !== 'Unloading') yield work(2000, 'read');
      const second = yield* openDevice(core, self, 'demo_chardev');
      results.push(`second open ${second.ok ? 'ok' : second.errno}`);
      // A user that finishes later: it keeps the device open (reading now and then) until the
      // unloader sleeps waiting for it, so its close is the put that has to wake the unloader.
      // Unloading shows as soon as the module is GOING, which under stop_machine is well before
      // the unloader has left the stopped machine and dropped module_mutex to sleep.
      while (!unloaderAsleep(machine, open.value)) yield* msleep(2000);
      yield* closeDevice(core, self, open.value);
      results.push('closed');
    } });
    machine.spawn({ name: 'rmmod', cpu: 0, body: function* (self) {
      while (!holding.value) yield work(500);
      const result = yield* core.deleteModule(self, 'demo_chardev', { nonblock: false, trunc: false });
      results.push(`rmmod --wait ${resultText(result)}`);
    } });
    return () => {
      const expected = 'second open ENODEV, closed, rmmod --wait ok';
      return results.join(', ') === expected && core.find('demo_chardev') === undefined ? undefined : `saw [${results.join(', ')}], expected [${expected}]`;
    };
  },
);
