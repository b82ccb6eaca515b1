import { check, cpuRelax, keptList, keptValue, load, store, work, type KernelCode } from '@kmodsim/cpu';
import { closeDevice, openDevice, readDevice, type ModuleContext } from '@kmodsim/module';
import { cell } from '../contract.js';
import { defineScenario } from '../scenario.js';
import { demoModuleLoads } from '../demo/loads.js';
import { memoryLeaked, referencesLeaked, resultText } from '../users.js';

// Loading: a module is not live until its init says so, a failed init unwinds completely, and
// the seed's two-state init lets a module go live early.

export const notifiersDuringInit = defineScenario(
  'notifiers-during-init',
  'insmod on CPU 0 of a module that registers its device and goes live during init, while CPU 1 opens the device and a COMING notifier tries to get the module: no reference is granted while it is not live',
  {
    cpuCount: 2, modules: ['demo_lib'],
    catches: 'a reference granted on a module that is not live yet (COMING), or a refused one that leaves its increment behind',
    exercises: [],
  },
  (machine, core) => {
    const base = demoModuleLoads['demo_chardev'];
    if (base === undefined) throw new Error('the demo kernel has no demo_chardev');
    core.registerNotifier(function* (self, event, module) {
      if (event !== 'COMING') return;
      const got = yield* core.tryModuleGet(self, module);
      yield check(!got, `a COMING notifier got a reference on ${module.name}, which is not live`);
    });
    const init = function* (context: ModuleContext): KernelCode<number> {
      yield* context.registerChrdev('demo_chardev');
      yield work(100, 'probe');
      yield* context.module.goLive();
      yield work(100, 'finish probing');
      return 0;
    };
    machine.spawn({ name: 'insmod', cpu: 0, bound: true, body: function* (self) {
      yield* core.initModule(self, { ...base, behaviour: { ...base.behaviour, init } });
    } });
    machine.spawn({ name: 'cat', cpu: 1, bound: true, body: function* (self) {
      const module = yield* core.chardevs.lookupAndGet(self, 'demo_chardev', (task, found) => core.tryModuleGet(task, found));
      if (module === undefined) return;
      yield check((yield load(module.cells.live)) === 1, 'a reference was granted on a module that is not live');
      yield* core.modulePut(self, module);
    } });
    // Every reference taken was dropped, the refused ones included: a get that keeps its increment
    // when it refuses leaves the module counted as used for ever.
    return () => {
      const module = core.find('demo_chardev');
      return module === undefined ? 'the module did not load' : referencesLeaked(module);
    };
  },
);

/** An init that fails after doing work: its error comes back and nothing is left behind. */
export const failingInit = defineScenario(
  'failing-init',
  'insmod of a module whose init fails with -ENODEV: the error reaches user space, the module is freed, and a retry can load it',
  {
    cpuCount: 2, modules: ['demo_lib'],
    catches: 'a failed init that leaves the module, or its loader\'s reference, behind',
    exercises: [],
  },
  (machine, core) => {
    const results = keptList<string>(machine, 'what the tasks saw');
    const base = demoModuleLoads['demo_chardev'];
    if (base === undefined) throw new Error('no demo_chardev');
    machine.spawn({ name: 'insmod', cpu: 0, body: function* (self) {
      const failing = { ...base, behaviour: { *init() { yield work(300, 'probe'); return -19; } } };
      results.push(resultText(yield* core.initModule(self, failing)));
      results.push(core.find('demo_chardev') === undefined ? 'gone' : 'left behind');
      results.push(resultText(yield* core.initModule(self, base)));
    } });
    return () => {
      if (results.join(' ') !== 'ENODEV gone ok') return `saw ${results.join(' ')}`;
      const module = core.find('demo_chardev');
      return module === undefined ? 'the retried load is not there' : referencesLeaked(module) ?? memoryLeaked(core, 'demo_chardev');
    };
  },
);

/** The seed's two-state init: a module that makes itself live so users can reach it during init. */
export const liveDuringInit = defineScenario(
  'live-during-init',
  'a module registers its device during init and sets itself live before init ends: an open from another CPU is refused while it is COMING and succeeds once it is live',
  {
    cpuCount: 2, modules: ['demo_lib'], kind: 'demonstration',
    catches: 'a module reachable before it says it is live',
    exercises: [],
  },
  (machine, core) => {
    const base = demoModuleLoads['demo_chardev'];
    if (base === undefined) throw new Error('no demo_chardev');
    const results = keptList<string>(machine, 'what the tasks saw');
    const phase = keptValue(machine, 'phase of the init', 0);
    const init = function* (context: ModuleContext): KernelCode<number> {
      yield* context.registerChrdev('demo_chardev');
      phase.value = 1;
      while (phase.value === 1) yield work(500, 'registering');
      yield* context.module.goLive();
      phase.value = 3;
      while (phase.value === 3) yield work(500, 'more init');
      return 0;
    };
    machine.spawn({ name: 'insmod', cpu: 0, body: function* (self) {
      results.push(`insmod ${resultText(yield* core.initModule(self, { ...base, behaviour: { ...base.behaviour, init } }))}`);
    } });
    machine.spawn({ name: 'opener', cpu: 1, body: function* (self) {
      while (phase.value !== 1) yield work(100);
      const coming = yield* openDevice(core, self, 'demo_chardev');
      results.push(`open while COMING ${coming.ok ? 'ok' : coming.errno}`);
      phase.value = 2;
      while (phase.value !== 3) yield work(100);
      const live = yield* openDevice(core, self, 'demo_chardev');
      results.push(`open after goLive ${live.ok ? 'ok' : live.errno}`);
      if (live.ok) yield* closeDevice(core, self, live.value);
      phase.value = 4;
    } });
    return () => {
      const expected = 'open while COMING ENODEV, open after goLive ok, insmod ok';
      return results.join(', ') === expected ? undefined : `saw [${results.join(', ')}], expected [${expected}]`;
    };
  },
);


/**
 * An init that registers its device and goes live early (the seed's two-state init), then fails:
 * a user may have opened the device meanwhile, so the core must wait for that user before it
 * frees the module, and the user's put must find it still there.
 */
export const failingInitWithUser = defineScenario(
  'failing-init-with-user',
  'insmod on CPU 0 of a module that registers its device, goes live, then fails its init with -ENODEV, while a user on CPU 1 opens, reads and closes the device: the failed load waits for the user before freeing',
  {
    cpuCount: 2, modules: ['demo_lib'],
    catches: 'a failed init that frees the module while a user it let in early still holds a reference',
    exercises: [cell('put', 'init-wait', 'preemptible'), cell('put', 'init-free', 'preemptible')],
  },
  (machine, core) => {
    const base = demoModuleLoads['demo_chardev'];
    if (base === undefined) throw new Error('the demo kernel has no demo_chardev');
    const ready = machine.alloc('device: registered and live', 1).base;
    const results = keptList<string>(machine, 'what the tasks saw');
    const init = function* (context: ModuleContext): KernelCode<number> {
      yield* context.registerChrdev('demo_chardev');
      yield* context.module.goLive();
      yield store(ready, 1);
      yield work(100, 'probe fails');
      yield* context.unregisterChrdev('demo_chardev');
      return -19;
    };
    machine.spawn({ name: 'insmod', cpu: 0, bound: true, body: function* (self) {
      results.push(resultText(yield* core.initModule(self, { ...base, behaviour: { ...base.behaviour, init } })));
    } });
    machine.spawn({ name: 'cat', cpu: 1, bound: true, body: function* (self) {
      while ((yield load(ready)) === 0) yield cpuRelax();
      const open = yield* openDevice(core, self, 'demo_chardev');
      if (!open.ok) return;
      yield* readDevice(core, self, open.value);
      yield* closeDevice(core, self, open.value);
    } });
    return () => {
      if (results[0] !== 'ENODEV') return `insmod returned ${results[0] ?? 'nothing'}, expected ENODEV`;
      return core.find('demo_chardev') === undefined ? memoryLeaked(core, 'demo_chardev') : 'the module whose init failed is still loaded';
    };
  },
);
