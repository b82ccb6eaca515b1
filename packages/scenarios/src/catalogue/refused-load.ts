import { cpuRelax, keptList, load, store } from '@kmodsim/cpu';
import { demoModuleLoads } from '../demo/loads.js';
import { defineScenario } from '../scenario.js';
import { memoryLeaked, resultText } from '../users.js';

// A load refused after its module was formed: the module it needs is going, so ref_module() is
// refused (EBUSY), and the core frees the new module with its loader's reference still counted.
// That is the one free_module a sound design meets with a count that is not zero: its
// beforeFree() and release() must not wait for zero, or assume it.

/**
 * A holder on CPU 1 keeps demo_lib while rmmod --wait on CPU 0 unloads it; once demo_lib is going
 * the holder loads demo_chardev, which needs it: the load is refused, the new module freed with
 * the loader's reference still in its count, and the holder drops demo_lib, which then goes.
 */
export const refusedLoadWhileNeededGoes = defineScenario(
  'refused-load-while-needed-goes',
  'rmmod --wait demo_lib on CPU 0 while a holder on CPU 1 keeps it; once demo_lib is going the holder loads demo_chardev, which needs it: the load is refused (EBUSY) and the new module freed with its loader\'s reference still counted; then the holder lets demo_lib go',
  {
    cpuCount: 2, modules: ['demo_lib'], needsWaitingUnload: true, bounds: { preemptions: 1, irqs: 0 },
    catches: 'a beforeFree() or release() that waits for the count to reach zero, or assumes it has (the refused load\'s module is freed with its loader\'s reference held), and a refused load that leaves memory behind',
    exercises: [],
  },
  (machine, core) => {
    const lib = core.find('demo_lib');
    const chardev = demoModuleLoads['demo_chardev'];
    if (lib === undefined || chardev === undefined) throw new Error('the demo kernel has no demo_lib or demo_chardev');
    const results = keptList<string>(machine, 'what the tasks saw');
    const holding = machine.alloc('holder: demo_lib held', 1).base;
    machine.spawn({ name: 'holder', cpu: 1, bound: true, body: function* (self) {
      if (!(yield* core.tryModuleGet(self, lib))) return;
      yield store(holding, 1);
      while ((yield load(lib.cells.live)) === 1) yield cpuRelax();
      results.push(`insmod ${resultText(yield* core.initModule(self, chardev))}`);
      yield* core.modulePut(self, lib);
    } });
    machine.spawn({ name: 'rmmod', cpu: 0, bound: true, body: function* (self) {
      while ((yield load(holding)) === 0) yield cpuRelax();
      results.push(`rmmod ${resultText(yield* core.deleteModule(self, 'demo_lib', { nonblock: false, trunc: false }))}`);
    } });
    return () => {
      const seen = results.join(', ');
      if (seen !== 'insmod EBUSY, rmmod ok') return `saw [${seen}], expected [insmod EBUSY, rmmod ok]`;
      return memoryLeaked(core, 'demo_chardev') ?? memoryLeaked(core, 'demo_lib');
    };
  },
);
