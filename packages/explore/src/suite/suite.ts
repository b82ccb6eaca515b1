import { check, cpuRelax, load, schedule, setAffinity, setCurrentState, store, wakeUpProcess, work, type ExecutionContext, type FaultKind, type KernelCode, type Machine, type Scenario, type ScenarioCheck } from '@kmodsim/cpu';
import {
  bootDemoKernel, closeDevice, demoModuleLoads, findModuleScenario, moduleInfo, openDevice, readDevice,
  type ModuleContext, type ModuleCore,
} from '@kmodsim/module';
import type { LocalFlavour, RefcountStrategy } from '@kmodsim/refcount';

// The explorer's scenario suite: each is data (name, CPUs, what a correct design must show) and
// a little generator code. Tasks here never wait on host variables, only on simulated memory,
// so that every dependency between them is one the search can see.

export interface SuiteScenario {
  readonly name: string;
  readonly description: string;
  readonly cpuCount: number;
  /** What a correct refcount design gives: no violation, or one of the faults the scenario demonstrates. */
  readonly expected: 'clean' | readonly FaultKind[];
  /**
   * The documented bounds: exhaustive search within them is what a verdict claims. The seed's
   * design passes every scenario exhaustively at these bounds, and each known-bad variant is
   * caught at them by the scenarios that exist for it.
   */
  readonly bounds: { readonly preemptions: number; readonly irqs: number };
  /** Whether it relies on `rmmod --wait` sleeping until users leave (see scenarioMismatch). */
  readonly needsWaitingUnload: boolean;
  build(strategy: RefcountStrategy, arch?: LocalFlavour): Scenario;
}

const DEFAULT_BOUNDS = { preemptions: 2, irqs: 0 } as const;

type Body = (machine: Machine, core: ModuleCore) => ScenarioCheck | undefined;

function scenario(
  name: string,
  description: string,
  settings: {
    readonly cpuCount: number;
    readonly modules: readonly string[];
    readonly forceUnload?: boolean;
    readonly expected?: readonly FaultKind[];
    readonly bounds?: SuiteScenario['bounds'];
    readonly needsWaitingUnload?: boolean;
  },
  body: Body,
): SuiteScenario {
  return {
    name,
    description,
    cpuCount: settings.cpuCount,
    expected: settings.expected ?? 'clean',
    bounds: settings.bounds ?? DEFAULT_BOUNDS,
    needsWaitingUnload: settings.needsWaitingUnload ?? false,
    build: (strategy, arch = 'native') => ({
      name,
      description,
      setup: (machine) => body(machine, bootDemoKernel(machine, { strategy, arch, modules: settings.modules, forceUnload: settings.forceUnload ?? false })),
    }),
  };
}

/** The user of a device: open, read, close; returns whether the open succeeded. */
/**
 * open, `reads` reads, close. With `yieldBetweenReads` the reader calls cond_resched() between
 * reads, as a long read loop does: the CPU may switch there (RCU's quiescent state) for free.
 */
function* useDevice(core: ModuleCore, self: Parameters<Parameters<Machine['spawn']>[0]['body']>[0], reads: number, yieldBetweenReads = false): KernelCode<boolean> {
  const open = yield* openDevice(core, self, 'demo_chardev');
  if (!open.ok) return false;
  for (let read = 0; read < reads; read++) {
    // schedule() in TASK_RUNNING switches only when a task of the same class waits for this CPU.
    if (yieldBetweenReads && read > 0) yield schedule();
    yield* readDevice(core, self, open.module);
  }
  yield* closeDevice(core, self, open.module);
  return true;
}

/** After the run: the unload and the module's presence agree, and a module left behind has no stray reference. */
function unloadConsistent(core: ModuleCore, results: { rmmod?: string }): string | undefined {
  const module = core.find('demo_chardev');
  if (results.rmmod === undefined) return 'rmmod never returned (the unloader did not finish)';
  if ((results.rmmod === 'ok') !== (module === undefined)) return `rmmod returned ${results.rmmod} but the module is ${module === undefined ? 'gone' : 'still loaded'}`;
  if (module !== undefined && moduleInfo(module).refcount !== 0) return `no user is left but the refcount is ${moduleInfo(module).refcount} (a lost update)`;
  return undefined;
}

const unloadVersusGet = scenario(
  'unload-vs-get',
  'rmmod (O_NONBLOCK) on CPU 0 against try_module_get -> call into the module -> module_put on CPU 1',
  { cpuCount: 2, modules: ['demo_lib', 'demo_chardev'] },
  (machine, core) => {
    const results: { rmmod?: string } = {};
    machine.spawn({ name: 'cat', cpu: 1, bound: true, body: function* (self) { yield* useDevice(core, self, 1); } });
    machine.spawn({ name: 'rmmod', cpu: 0, bound: true, body: function* (self) {
      const result = yield* core.deleteModule(self, 'demo_chardev', { nonblock: true, trunc: false });
      results.rmmod = result.ok ? 'ok' : result.errno;
    } });
    return () => unloadConsistent(core, results);
  },
);

const waitVersusLastPut = scenario(
  'wait-vs-last-put',
  'rmmod --wait on CPU 0 while a user on CPU 1 holds the device open, against that user\'s close: the last module_put must wake the unloader (no lost wakeup), and the module must not be freed under the put',
  { cpuCount: 2, modules: ['demo_lib', 'demo_chardev'], needsWaitingUnload: true },
  (machine, core) => {
    const results: { rmmod?: string } = {};
    // The user says it holds the device through simulated memory, so the search sees the order.
    const holding = machine.alloc('cat: device open', 1).base;
    machine.spawn({ name: 'cat', cpu: 1, bound: true, body: function* (self) {
      const open = yield* openDevice(core, self, 'demo_chardev');
      if (!open.ok) return;
      yield store(holding, 1);
      yield* closeDevice(core, self, open.module);
    } });
    machine.spawn({ name: 'rmmod', cpu: 0, bound: true, body: function* (self) {
      while ((yield load(holding)) === 0) yield cpuRelax();
      const result = yield* core.deleteModule(self, 'demo_chardev', { nonblock: false, trunc: false });
      results.rmmod = result.ok ? 'ok' : result.errno;
    } });
    return () => unloadConsistent(core, results);
  },
);

/**
 * A device interrupt takes a module reference for the work it defers, and a kworker drops it
 * once the work has run (as a driver's interrupt handler pins its module while a work item of its
 * is queued). A task on the same CPU opens, reads and closes the device meanwhile. The handler's
 * net effect on the CPU's count is +1, so a local increment that an interrupt can tear loses it
 * (the balanced get and put of irq-get-put cannot show that).
 */
const irqGetWorkerPut = scenario(
  'irq-get-worker-put',
  'an interrupt on CPU 0 takes a module reference for deferred work that a kworker drops after running it, while a task on CPU 0 opens, reads and closes the device (flushing the work): no update may be lost, the count ends at 0',
  { cpuCount: 1, modules: ['demo_lib', 'demo_chardev'], bounds: { preemptions: 1, irqs: 1 } },
  (machine, core) => {
    const module = core.find('demo_chardev');
    if (module === undefined) throw new Error('the demo kernel has no demo_chardev');
    // The device may interrupt until the user, done with it, masks it; the work item is 0 when
    // idle, 1 while queued (holding its reference) and 2 once the kworker has run it and dropped it.
    const masked = machine.alloc('demo_chardev: interrupt masked', 1).base;
    const workState = machine.alloc('demo_chardev: deferred work', 1).base;
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
      yield* readDevice(core, self, open.module);
      yield* closeDevice(core, self, open.module);
      yield store(masked, 1);
      // flush_work(): the deferred work, if any was queued, has run and dropped its reference.
      yield* waitWhile(workState, (state) => state === 1);
    } });
    return () => {
      const count = moduleInfo(module).refcount;
      return count === 0 ? undefined : `the refcount is ${count} after every reference was dropped: expected 0 (a lost update)`;
    };
  },
);

/** Sleeps while `busy(value of cell)`, in Linux's order: set the state, then test. */
function* waitWhile(cell: number, busy: (value: number) => boolean): KernelCode<void> {
  for (;;) {
    yield setCurrentState('TASK_UNINTERRUPTIBLE');
    if (!busy(yield load(cell))) break;
    yield schedule();
  }
  yield setCurrentState('TASK_RUNNING');
}

const migratedPut = scenario(
  'migrate-put',
  'a reference taken on CPU 0 and dropped on CPU 1 after the task migrates, while rmmod --wait waits on CPU 1',
  { cpuCount: 2, modules: ['demo_lib', 'demo_chardev'], needsWaitingUnload: true },
  (machine, core) => {
    const results: { rmmod?: string } = {};
    machine.spawn({ name: 'cat', cpu: 0, body: function* (self) {
      const open = yield* openDevice(core, self, 'demo_chardev');
      if (!open.ok) return;
      yield setAffinity(1);
      yield* closeDevice(core, self, open.module);
    } });
    machine.spawn({ name: 'rmmod', cpu: 1, body: function* (self) {
      const result = yield* core.deleteModule(self, 'demo_chardev', { nonblock: false, trunc: false });
      results.rmmod = result.ok ? 'ok' : result.errno;
    } });
    return () => unloadConsistent(core, results);
  },
);

const forcedWhileInUse = scenario(
  'forced-unload-in-use',
  'rmmod -f on a kernel with forced unload while CPU 1 uses the module, reading in a loop with cond_resched() between reads: the user\'s next call into it, or its put, touches freed memory (an oops)',
  { cpuCount: 2, modules: ['demo_lib', 'demo_chardev'], forceUnload: true, expected: ['call-into-freed-code', 'use-after-free'], bounds: { preemptions: 2, irqs: 0 } },
  (machine, core) => {
    machine.spawn({ name: 'cat', cpu: 1, bound: true, body: function* (self) { yield* useDevice(core, self, 12, true); } });
    const results: { rmmod?: string } = {};
    machine.spawn({ name: 'rmmod', cpu: 0, bound: true, body: function* (self) {
      const result = yield* core.deleteModule(self, 'demo_chardev', { nonblock: true, trunc: true });
      results.rmmod = result.ok ? 'ok' : result.errno;
    } });
    return () => unloadConsistent(core, results);
  },
);

const notifiersDuringInit = scenario(
  'notifiers-during-init',
  'insmod on CPU 0 of a module that registers its device and goes live during init, while CPU 1 opens the device and a COMING notifier tries to get the module: no reference is granted while it is not live',
  { cpuCount: 2, modules: ['demo_lib'] },
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
    return undefined;
  },
);

function fromModuleScenario(name: string, bounds: SuiteScenario['bounds'], expected: SuiteScenario['expected'] = 'clean'): SuiteScenario {
  const found = findModuleScenario(name);
  if (found === undefined) throw new Error(`no module scenario ${name}`);
  return { name, description: found.description, cpuCount: found.cpuCount, expected, bounds, needsWaitingUnload: found.needsWaitingUnload, build: (strategy, arch) => found.build({ strategy, ...(arch === undefined ? {} : { arch }) }) };
}

export const suite: readonly SuiteScenario[] = [
  unloadVersusGet,
  fromModuleScenario('irq-get-put', { preemptions: 1, irqs: 1 }),
  irqGetWorkerPut,
  waitVersusLastPut,
  migratedPut,
  forcedWhileInUse,
  notifiersDuringInit,
  fromModuleScenario('failing-init', DEFAULT_BOUNDS),
];

export function findSuiteScenario(name: string): SuiteScenario | undefined {
  return suite.find((entry) => entry.name === name);
}
