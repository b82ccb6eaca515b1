import { cpuRelax, keptList, load, store, wakeUpProcess, type ExecutionContext, type KernelCode, type Machine } from '@kmodsim/cpu';
import { closeDevice, openDevice, readDevice, type KernelModule, type ModuleCore } from '@kmodsim/module';
import { cell } from '../contract.js';
import { defineScenario } from '../scenario.js';
import { memoryLeaked, msleep, resultText, spawnUnloaderOnceHeld, unloadConsistent, unloadRecord, waitWhile } from '../users.js';

// What a refused unload must leave behind: nothing. The module stays live and usable, its count
// is what its users hold, and once they are gone an unload succeeds. And an interrupt handler is
// a user like any other.

/**
 * rmmod as kmod runs it while a user holds the device (and takes and drops a second reference
 * with __module_get, as a driver pins itself for a moment): it must be refused with EWOULDBLOCK,
 * then the user opens the device again (it must work), closes both, and a second rmmod succeeds.
 */
export const refusedUnloadThenReuse = defineScenario(
  'refused-unload-then-reuse',
  'rmmod (O_NONBLOCK) on CPU 0 while a user on CPU 1 holds the device, takes and drops a second reference with __module_get, and opens the device again as rmmod runs: rmmod is refused with EWOULDBLOCK and the second open succeeds; the user closes both; a second rmmod succeeds',
  {
    cpuCount: 2, modules: ['demo_lib', 'demo_chardev'],
    catches: 'a refused unload that refuses gets while it decides, or leaves the module half going (not live, or its count changed), an idle module refused, or an unconditional get that does not count',
    exercises: [cell('get', 'stop', 'preemptible'), cell('put', 'stop', 'preemptible')],
  },
  (machine, core) => {
    const results = keptList<string>(machine, 'what the tasks saw');
    userAndRmmodTwice(machine, core, results, { user: 1, rmmod: 0 }, function* (self, open, turns) {
      yield* core.moduleGet(self, open);
      yield* core.modulePut(self, open);
      // The second open races the first rmmod: a refused unload is one that never happened, so
      // an open at any moment of it must succeed.
      const again = yield* openDevice(core, self, 'demo_chardev');
      results.push(`second open ${again.ok ? 'ok' : again.errno}`);
      yield* waitWhile(turns.refused, (value) => value === 0);
      return again.ok ? again.value : undefined;
    });
    return () => {
      const seen = [...results].sort().join(', ');
      const expected = 'rmmod EWOULDBLOCK, rmmod ok, second open ok';
      if (seen !== expected) return `saw [${results.join(', ')}], expected [${expected}] in some order`;
      return core.find('demo_chardev') === undefined ? memoryLeaked(core, 'demo_chardev') : 'rmmod said ok but the module is still loaded';
    };
  },
);

/**
 * The module after a refused unload, once rmmod has answered: an open then must succeed. A design
 * may refuse gets while it decides (percpu_ref's kill and resurrect do, which the scenario above
 * shows); none may go on refusing them after it has said no. The user holds its reference on CPU
 * 0, the other way round from the scenario above, so that a refusal that puts back the count of
 * only some CPUs (percpu_ref's resurrect skipping CPU 0's counter) leaves a count the second rmmod
 * trips on.
 */
export const refusedUnloadThenOpen = defineScenario(
  'refused-unload-then-open',
  'rmmod (O_NONBLOCK) on CPU 1 while a user on CPU 0 holds the device: refused with EWOULDBLOCK; after that answer the user opens the device again (it must work), closes both, and a second rmmod succeeds',
  {
    // What it catches shows in every interleaving; one preemption covers a get racing the answer.
    cpuCount: 2, modules: ['demo_lib', 'demo_chardev'], bounds: { preemptions: 1, irqs: 0 },
    catches: 'a refused unload that leaves the module refusing gets, or not live, after it has answered',
    // The open comes after the answer, in no phase of an unload: what it checks is what stop() left.
    exercises: [],
  },
  (machine, core) => {
    const results = keptList<string>(machine, 'what the tasks saw');
    userAndRmmodTwice(machine, core, results, { user: 0, rmmod: 1 }, function* (self, _open, turns) {
      yield* waitWhile(turns.refused, (value) => value === 0);
      const again = yield* openDevice(core, self, 'demo_chardev');
      results.push(`open after the refusal ${again.ok ? 'ok' : again.errno}`);
      return again.ok ? again.value : undefined;
    });
    return () => {
      const seen = results.join(', ');
      const expected = 'rmmod EWOULDBLOCK, open after the refusal ok, rmmod ok';
      if (seen !== expected) return `saw [${seen}], expected [${expected}]`;
      return core.find('demo_chardev') === undefined ? memoryLeaked(core, 'demo_chardev') : 'rmmod said ok but the module is still loaded';
    };
  },
);

/** The cells the user and rmmod hand each other the turn through. */
interface Turns {
  readonly holding: number;
  readonly refused: number;
  readonly closed: number;
}

/**
 * A user who opens the device, does `between` (which may open it again, and must wait for rmmod's
 * first answer) and closes what it opened; and rmmod (O_NONBLOCK) on the other CPU, once the user
 * holds the device (refused: it says so and wakes the user), then again once the user has closed
 * it (which succeeds). The user and rmmod hand each other the turn through `turns`.
 */
function userAndRmmodTwice(
  machine: Machine, core: ModuleCore, results: string[], cpus: { readonly user: number; readonly rmmod: number },
  between: (self: ExecutionContext, open: KernelModule, turns: Turns) => KernelCode<KernelModule | undefined>,
): void {
  const turns: Turns = {
    holding: machine.alloc('cat: device open', 1).base,
    refused: machine.alloc('rmmod: first answer given', 1).base,
    closed: machine.alloc('cat: device closed', 1).base,
  };
  let rmmodPid = 0;
  const catPid = machine.spawn({ name: 'cat', cpu: cpus.user, bound: true, body: function* (self) {
    const open = yield* openDevice(core, self, 'demo_chardev');
    if (!open.ok) {
      results.push(`first open ${open.errno}`);
      return;
    }
    yield store(turns.holding, 1);
    const again = yield* between(self, open.value, turns);
    if (again !== undefined) yield* closeDevice(core, self, again);
    yield* closeDevice(core, self, open.value);
    yield store(turns.closed, 1);
    yield wakeUpProcess(rmmodPid);
  } });
  rmmodPid = machine.spawn({ name: 'rmmod', cpu: cpus.rmmod, bound: true, body: function* (self) {
    while ((yield load(turns.holding)) === 0) yield cpuRelax();
    results.push(`rmmod ${resultText(yield* core.deleteModule(self, 'demo_chardev', { nonblock: true, trunc: false }))}`);
    yield store(turns.refused, 1);
    yield wakeUpProcess(catPid);
    yield* waitWhile(turns.closed, (value) => value === 0);
    results.push(`rmmod ${resultText(yield* core.deleteModule(self, 'demo_chardev', { nonblock: true, trunc: false }))}`);
  } });
}

/**
 * An interrupt on CPU 1 whose handler reaches the device (a lookup under the device table's
 * lock, a call into the module, the reference dropped, all in interrupt context) while rmmod
 * runs on CPU 0.
 */
export const irqUserVersusUnload = defineScenario(
  'irq-user-vs-unload',
  'rmmod (O_NONBLOCK) on CPU 0 while an interrupt on CPU 1 looks the device up, takes its module\'s reference, calls into it and drops the reference, all in interrupt context',
  {
    cpuCount: 2, modules: ['demo_lib', 'demo_chardev'], bounds: { preemptions: 1, irqs: 1 },
    catches: 'a get or put that is not safe in interrupt context against an unload on another CPU',
    exercises: [cell('tryGet', 'stop', 'irq'), cell('put', 'stop', 'irq')],
  },
  (machine, core) => {
    const record = unloadRecord(machine);
    machine.addIrqSource({ name: 'demo_chardev', cpus: [1], limit: 1, handler: function* (self: ExecutionContext): KernelCode<void> {
      const module = yield* core.chardevs.lookupAndGet(self, 'demo_chardev', (task, found) => core.tryModuleGet(task, found));
      if (module === undefined) return;
      yield* readDevice(core, self, module);
      yield* core.modulePut(self, module);
    } });
    machine.spawn({ name: 'rmmod', cpu: 0, bound: true, body: function* (self) {
      record.rmmod = resultText(yield* core.deleteModule(self, 'demo_chardev', { nonblock: true, trunc: false }));
    } });
    return () => unloadConsistent(core, record);
  },
);

/**
 * The same interrupt user while rmmod --wait sleeps for a user that holds the device on CPU 0:
 * the handler's lookup finds a module that is going (refused), or its reference is one more the
 * wait must see fall to zero.
 */
export const irqUserVersusWait = defineScenario(
  'irq-user-vs-wait',
  'rmmod --wait on CPU 0 while a user there holds the device for a while, against an interrupt on CPU 1 that looks the device up, takes its module\'s reference, calls into it and drops the reference',
  {
    cpuCount: 2, modules: ['demo_lib', 'demo_chardev'], needsWaitingUnload: true, bounds: { preemptions: 1, irqs: 1 },
    catches: 'a get that an interrupt can win against a going module, or a put from interrupt context the wait does not see',
    exercises: [cell('tryGet', 'wait', 'irq')],
  },
  (machine, core) => {
    const record = unloadRecord(machine);
    const holding = machine.alloc('cat: device open', 1).base;
    machine.addIrqSource({ name: 'demo_chardev', cpus: [1], limit: 1, handler: function* (self: ExecutionContext): KernelCode<void> {
      const module = yield* core.chardevs.lookupAndGet(self, 'demo_chardev', (task, found) => core.tryModuleGet(task, found));
      if (module === undefined) return;
      yield* readDevice(core, self, module);
      yield* core.modulePut(self, module);
    } });
    machine.spawn({ name: 'cat', cpu: 0, bound: true, body: function* (self) {
      const open = yield* openDevice(core, self, 'demo_chardev');
      if (!open.ok) return;
      yield store(holding, 1);
      // It holds the device until the machine has nothing more urgent to do.
      yield* msleep();
      yield* closeDevice(core, self, open.value);
    } });
    spawnUnloaderOnceHeld(machine, core, holding, record, { wait: true });
    return () => unloadConsistent(core, record);
  },
);
