import { scheduleTimeout, setAffinity, setCurrentState, work, type ExecutionContext, type KernelCode, type Machine, type Scenario, type ScenarioCheck } from '@kmodsim/cpu';
import type { LocalFlavour, RefcountStrategy } from '@kmodsim/refcount';
import type { ModuleContext } from '../behaviour.js';
import type { ModuleCore } from '../core.js';
import type { KernelModule } from '../kernel-module.js';
import { bootDemoKernel } from '../demo/boot.js';
import { demoModuleLoads } from '../demo/loads.js';
import type { SyscallResult } from '../errno.js';
import { moduleInfo } from '../proc-modules.js';
import { closeDevice, openDevice, readDevice } from '../vfs.js';

// The scenarios of the module core: small, named situations that show the refcount design at
// work (or break a weaker one). Each runs on a freshly booted embedded kernel, any strategy.

export interface ModuleScenarioOptions {
  readonly strategy: RefcountStrategy;
  readonly arch?: LocalFlavour;
}

export interface ModuleScenario {
  readonly name: string;
  readonly description: string;
  /** CPUs the scenario is written for. */
  readonly cpuCount: number;
  /** A fault the scenario is meant to end in (forced unload oopses), if any. */
  readonly expectedFault?: string;
  /** Whether it relies on `rmmod --wait` sleeping until users leave, which some designs refuse to do. */
  readonly needsWaitingUnload: boolean;
  build(options: ModuleScenarioOptions): Scenario;
}

/** Why a scenario cannot run under a strategy, or undefined when it can. */
export function scenarioMismatch(scenario: Pick<ModuleScenario, 'name' | 'needsWaitingUnload'>, strategy: RefcountStrategy): string | undefined {
  if (!scenario.needsWaitingUnload || strategy.waitsForUsers !== false) return undefined;
  return `scenario ${scenario.name} needs an unload that waits for users (rmmod --wait), and strategy ${strategy.name} refuses a module in use instead`;
}

type Body = (machine: Machine, core: ModuleCore) => ScenarioCheck | undefined;

function define(
  name: string,
  description: string,
  settings: {
    readonly cpuCount: number;
    readonly modules: readonly string[];
    readonly forceUnload?: boolean;
    readonly expectedFault?: string;
    readonly needsWaitingUnload?: boolean;
  },
  body: Body,
): ModuleScenario {
  return {
    name,
    description,
    cpuCount: settings.cpuCount,
    needsWaitingUnload: settings.needsWaitingUnload ?? false,
    ...(settings.expectedFault === undefined ? {} : { expectedFault: settings.expectedFault }),
    build: (options) => ({
      name,
      description,
      setup(machine) {
        const core = bootDemoKernel(machine, { ...options, modules: settings.modules, forceUnload: settings.forceUnload ?? false });
        return body(machine, core);
      },
    }),
  };
}

function text(result: SyscallResult): string {
  return result.ok ? 'ok' : result.errno;
}

/** rmmod (O_NONBLOCK, as kmod always asks) racing with a user of the module on another CPU. */
const unloadVersusUse = define(
  'unload-vs-use',
  'rmmod demo_chardev on CPU 0 while CPU 1 opens the device, reads and closes it: either rmmod is refused, or the open is, never a call into freed code',
  { cpuCount: 2, modules: ['demo_lib', 'demo_chardev'] },
  (machine, core) => {
    let unloaded = false;
    let opened = false;
    machine.spawn({ name: 'cat', cpu: 1, body: function* (self) {
      const open = yield* openDevice(core, self, 'demo_chardev');
      if (!open.ok) return;
      opened = true;
      yield* readDevice(core, self, open.module);
      yield* closeDevice(core, self, open.module);
    } });
    machine.spawn({ name: 'rmmod', cpu: 0, body: function* (self) {
      unloaded = (yield* core.deleteModule(self, 'demo_chardev', { nonblock: true, trunc: false })).ok;
    } });
    return () => {
      const present = core.find('demo_chardev') !== undefined;
      if (unloaded === present) return `rmmod said ${unloaded ? 'ok' : 'no'} but the module is ${present ? 'still there' : 'gone'}`;
      if (!unloaded && !opened) return 'rmmod was refused although nobody used the module';
      return undefined;
    };
  },
);

/** References taken and dropped by a task and by interrupt handlers on the same CPU. */
const irqGetPut = define(
  'irq-get-put',
  'a task and interrupt handlers on the same CPU take and drop references to demo_lib: no update is lost',
  { cpuCount: 1, modules: ['demo_lib'] },
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

/** rmmod --wait: the module goes, new users are refused, the unloader sleeps until the last put. */
const waitForUsers = define(
  'wait-for-users',
  'rmmod --wait demo_chardev while a user holds it open: the module shows Unloading, a second open is refused, and rmmod finishes once the user closes',
  { cpuCount: 2, modules: ['demo_lib', 'demo_chardev'], needsWaitingUnload: true },
  (machine, core) => {
    const results: string[] = [];
    let holding = false;
    machine.spawn({ name: 'cat', cpu: 1, body: function* (self) {
      const open = yield* openDevice(core, self, 'demo_chardev');
      if (!open.ok) return;
      holding = true;
      while (moduleInfo(open.module).state !== 'Unloading') yield work(2000, 'read');
      const second = yield* openDevice(core, self, 'demo_chardev');
      results.push(`second open ${second.ok ? 'ok' : second.errno}`);
      // A user that finishes later: it keeps the device open (reading now and then) until the
      // unloader sleeps waiting for it, so its close is the put that has to wake the unloader.
      // Unloading shows as soon as the module is GOING, which under stop_machine is well before
      // the unloader has left the stopped machine and dropped module_mutex to sleep.
      while (!unloaderAsleep(machine, open.module)) yield* nap(2000);
      yield* closeDevice(core, self, open.module);
      results.push('closed');
    } });
    machine.spawn({ name: 'rmmod', cpu: 0, body: function* (self) {
      while (!holding) yield work(500);
      const result = yield* core.deleteModule(self, 'demo_chardev', { nonblock: false, trunc: false });
      results.push(`rmmod --wait ${text(result)}`);
    } });
    return () => {
      const expected = 'second open ENODEV, closed, rmmod --wait ok';
      return results.join(', ') === expected && core.find('demo_chardev') === undefined ? undefined : `saw [${results.join(', ')}], expected [${expected}]`;
    };
  },
);

/** The module's unloader sleeps in its wait for zero (woken only by a put). */
function unloaderAsleep(machine: Machine, module: KernelModule): boolean {
  const pid = module.waitingUnloader;
  return pid !== 0 && machine.task(pid)?.state === 'TASK_UNINTERRUPTIBLE';
}

/** msleep(): lets the CPU go to whatever else wants it. */
function* nap(cycles: number): KernelCode<void> {
  yield setCurrentState('TASK_INTERRUPTIBLE');
  yield scheduleTimeout(cycles);
}

/** A reference taken on one CPU and dropped on another: per-CPU counts go +1 here, -1 there. */
const migratePut = define(
  'migrate-put',
  'a user opens demo_chardev on CPU 0, migrates to CPU 1 and closes it there, while rmmod checks the count: the sum is right although no single CPU\'s counter is',
  { cpuCount: 2, modules: ['demo_lib', 'demo_chardev'], needsWaitingUnload: true },
  (machine, core) => {
    let rmmodResult = '';
    let opened = false;
    machine.spawn({ name: 'cat', cpu: 0, body: function* (self) {
      const open = yield* openDevice(core, self, 'demo_chardev');
      if (!open.ok) return;
      opened = true;
      yield setAffinity(1);
      yield* closeDevice(core, self, open.module);
    } });
    machine.spawn({ name: 'rmmod', cpu: 1, body: function* (self) {
      while (!opened) yield work(200);
      rmmodResult = text(yield* core.deleteModule(self, 'demo_chardev', { nonblock: false, trunc: false }));
    } });
    return () => (rmmodResult === 'ok' && core.find('demo_chardev') === undefined ? undefined : `rmmod --wait gave ${rmmodResult || 'nothing'}`);
  },
);

/** rmmod -f on a kernel with forced unload: the module goes while used, and its user crashes. */
const forcedUnload = define(
  'forced-unload',
  'rmmod -f demo_chardev while a user has it open, on a kernel built with forced unload: the kernel is tainted R and the user\'s next call into the module oopses',
  { cpuCount: 2, modules: ['demo_lib', 'demo_chardev'], forceUnload: true, expectedFault: 'call-into-freed-code' },
  (machine, core) => {
    let holding = false;
    let forced = false;
    machine.spawn({ name: 'cat', cpu: 1, body: function* (self) {
      const open = yield* openDevice(core, self, 'demo_chardev');
      if (!open.ok) return;
      holding = true;
      while (!forced) yield work(1000, 'sleep');
      yield* readDevice(core, self, open.module);
      yield* closeDevice(core, self, open.module);
    } });
    machine.spawn({ name: 'rmmod', cpu: 0, body: function* (self) {
      while (!holding) yield work(500);
      forced = (yield* core.deleteModule(self, 'demo_chardev', { nonblock: true, trunc: true })).ok;
    } });
    return () => (core.taints.has('FORCED_RMMOD') ? undefined : 'forced unload did not taint the kernel');
  },
);

/** An init that fails after doing work: its error comes back and nothing is left behind. */
const failingInit = define(
  'failing-init',
  'insmod of a module whose init fails with -ENODEV: the error reaches user space, the module is freed, and a retry can load it',
  { cpuCount: 2, modules: ['demo_lib'] },
  (machine, core) => {
    const results: string[] = [];
    const base = demoModuleLoads['demo_chardev'];
    if (base === undefined) throw new Error('no demo_chardev');
    machine.spawn({ name: 'insmod', cpu: 0, body: function* (self) {
      const failing = { ...base, behaviour: { *init() { yield work(300, 'probe'); return -19; } } };
      results.push(text(yield* core.initModule(self, failing)));
      results.push(core.find('demo_chardev') === undefined ? 'gone' : 'left behind');
      results.push(text(yield* core.initModule(self, base)));
    } });
    return () => (results.join(' ') === 'ENODEV gone ok' ? undefined : `saw ${results.join(' ')}`);
  },
);

/** The seed's two-state init: a module that makes itself live so users can reach it during init. */
const liveDuringInit = define(
  'live-during-init',
  'a module registers its device during init and sets itself live before init ends: an open from another CPU is refused while it is COMING and succeeds once it is live',
  { cpuCount: 2, modules: ['demo_lib'] },
  (machine, core) => {
    const base = demoModuleLoads['demo_chardev'];
    if (base === undefined) throw new Error('no demo_chardev');
    const results: string[] = [];
    let phase = 0;
    const init = function* (context: ModuleContext): KernelCode<number> {
      yield* context.registerChrdev('demo_chardev');
      phase = 1;
      while (phase === 1) yield work(500, 'registering');
      yield* context.module.goLive();
      phase = 3;
      while (phase === 3) yield work(500, 'more init');
      return 0;
    };
    machine.spawn({ name: 'insmod', cpu: 0, body: function* (self) {
      results.push(`insmod ${text(yield* core.initModule(self, { ...base, behaviour: { ...base.behaviour, init } }))}`);
    } });
    machine.spawn({ name: 'opener', cpu: 1, body: function* (self) {
      while (phase !== 1) yield work(100);
      const coming = yield* openDevice(core, self, 'demo_chardev');
      results.push(`open while COMING ${coming.ok ? 'ok' : coming.errno}`);
      phase = 2;
      while (phase !== 3) yield work(100);
      const live = yield* openDevice(core, self, 'demo_chardev');
      results.push(`open after goLive ${live.ok ? 'ok' : live.errno}`);
      if (live.ok) yield* closeDevice(core, self, live.module);
      phase = 4;
    } });
    return () => {
      const expected = 'open while COMING ENODEV, open after goLive ok, insmod ok';
      return results.join(', ') === expected ? undefined : `saw [${results.join(', ')}], expected [${expected}]`;
    };
  },
);

export const moduleScenarios: readonly ModuleScenario[] = [
  unloadVersusUse,
  irqGetPut,
  waitForUsers,
  migratePut,
  forcedUnload,
  failingInit,
  liveDuringInit,
];

export function findModuleScenario(name: string): ModuleScenario | undefined {
  return moduleScenarios.find((scenario) => scenario.name === name);
}
