import { cpuRelax, keptList, load, setAffinity, spawn, store, type Machine } from '@kmodsim/cpu';
import { closeDevice, openDevice } from '@kmodsim/module';
import { ModuleState } from '@kmodsim/refcount';
import { cell } from '../contract.js';
import { defineScenario, type ScenarioBody } from '../scenario.js';
import { msleep, spawnUnloaderOnceHeld, unload, unloadConsistent, unloadRecord } from '../users.js';

// rmmod --wait: the module goes, new users are refused, and the unloader sleeps until the last
// put. What a design must get right here: the last put wakes it, a refused get leaves no trace,
// and a reference moved between CPUs is still counted.

/** A cell the holder sets once its open succeeded, so the search sees the order. */
function holdingCell(machine: Machine): number {
  return machine.alloc('cat: device open', 1).base;
}

export const waitVersusLastPut = defineScenario(
  'wait-vs-last-put',
  'rmmod --wait on CPU 0 while a user on CPU 1 holds the device open, against that user\'s close: the last module_put must wake the unloader (no lost wakeup), and the module must not be freed under the put',
  {
    cpuCount: 2, modules: ['demo_lib', 'demo_chardev'], needsWaitingUnload: true,
    catches: 'a lost wakeup (the last put wakes nobody) and a module freed while a put still reads it',
    exercises: [cell('put', 'stop', 'preemptible'), cell('put', 'wait', 'preemptible'), cell('put', 'before-free', 'preemptible')],
  },
  (machine, core) => {
    const record = unloadRecord(machine);
    const holding = holdingCell(machine);
    machine.spawn({ name: 'cat', cpu: 1, bound: true, body: function* (self) {
      const open = yield* openDevice(core, self, 'demo_chardev');
      if (!open.ok) return;
      yield store(holding, 1);
      yield* closeDevice(core, self, open.value);
    } });
    spawnUnloaderOnceHeld(machine, core, holding, record, { wait: true });
    return () => unloadConsistent(core, record);
  },
);

export const migratedPut = defineScenario(
  'migrate-put',
  'a reference taken on CPU 0 and dropped on CPU 1 after the task migrates, while rmmod --wait waits on CPU 1',
  {
    cpuCount: 2, modules: ['demo_lib', 'demo_chardev'], needsWaitingUnload: true,
    catches: 'a count that is right per CPU but wrong in sum (a reference taken on one CPU and dropped on another)',
    exercises: [cell('put', 'stop', 'preemptible')],
  },
  (machine, core) => {
    const record = unloadRecord(machine);
    machine.spawn({ name: 'cat', cpu: 0, body: function* (self) {
      const open = yield* openDevice(core, self, 'demo_chardev');
      if (!open.ok) return;
      yield setAffinity(1);
      yield* closeDevice(core, self, open.value);
    } });
    machine.spawn({ name: 'rmmod', cpu: 1, body: function* (self) { yield* unload(core, self, record, { wait: true }); } });
    return () => unloadConsistent(core, record);
  },
);

/**
 * rmmod --wait while a user holds the device; the user, seeing the module go, opens it again
 * (refused) and then closes its first open. A design that keeps a refused get's increment leaves
 * the count above zero for ever, and its unloader never wakes.
 */
export const refusedOpenWhileWaiting = defineScenario(
  'refused-open-while-waiting',
  'rmmod --wait on CPU 0 while a user on CPU 1 holds the device; once the module is going the user opens it again (refused: ENODEV) and then closes: the refused get must leave the count as it was, and the unload must finish',
  {
    cpuCount: 2, modules: ['demo_lib', 'demo_chardev'], needsWaitingUnload: true,
    catches: 'a refused try_module_get that leaves a reference behind (the count never returns to zero)',
    exercises: [cell('tryGet', 'stop', 'preempt-off'), cell('tryGet', 'wait', 'preempt-off'), cell('put', 'stop', 'preemptible'), cell('put', 'wait', 'preemptible'), cell('put', 'before-free', 'preemptible')],
  },
  openAgainWhileGoing({ wait: true }),
);

/**
 * The same with rmmod -f --wait on a kernel built with forced unload. Without O_NONBLOCK the
 * kernel does not force (2.6's delete_module forces only a caller that would not wait), so the
 * unload waits for the user; today's Linux, which has no wait, forces at once and polls. Either
 * way the module is going, and an open must be refused even though references are still held:
 * a design that refuses gets only by its count reaching zero lets this one in.
 */
export const openDuringForcedWait = defineScenario(
  'open-during-forced-wait',
  'rmmod -f --wait on CPU 0, on a kernel built with forced unload, while a user on CPU 1 holds the device; once the module is going the user opens it again (refused even though references remain) and then closes: the unload finishes',
  {
    cpuCount: 2, modules: ['demo_lib', 'demo_chardev'], forceUnload: true, bounds: { preemptions: 1, irqs: 0 },
    catches: 'a try_module_get granted on a going module whose count is not zero (gets refused only by the count, not by the module\'s state)',
    exercises: [cell('tryGet', 'wait', 'preempt-off')],
  },
  openAgainWhileGoing({ wait: true, force: true }),
);

function openAgainWhileGoing(flags: { readonly wait: boolean; readonly force?: boolean }): ScenarioBody {
  return (machine, core) => {
    const record = unloadRecord(machine);
    const holding = holdingCell(machine);
    const refused = keptList<string>(machine, 'opens refused');
    machine.spawn({ name: 'cat', cpu: 1, bound: true, body: function* (self) {
      const open = yield* openDevice(core, self, 'demo_chardev');
      if (!open.ok) return;
      yield store(holding, 1);
      // Wait until the unload has begun: the module's state word says GOING.
      while ((yield load(open.value.cells.state)) !== ModuleState.GOING) yield cpuRelax();
      const again = yield* openDevice(core, self, 'demo_chardev');
      if (again.ok) {
        refused.push('a second open succeeded on a module that is going');
        yield* closeDevice(core, self, again.value);
      }
      yield* closeDevice(core, self, open.value);
    } });
    spawnUnloaderOnceHeld(machine, core, holding, record, flags);
    return () => refused[0] ?? unloadConsistent(core, record);
  };
}

/**
 * `chrt -f 50 rmmod --wait` on a one-CPU machine while a normal task holds the device: the
 * unloader outranks the holder, so the holder runs again only while the unloader sleeps. A wait
 * that polls (calls schedule() without setting its task state first) never sleeps, and the real-
 * time unloader then keeps the only CPU from the task whose close it waits for.
 */
export const realtimeWaitOnOneCpu = defineScenario(
  'realtime-wait-on-one-cpu',
  'on a one-CPU machine a normal task opens the device, starts `chrt -f rmmod --wait` (SCHED_FIFO) and sleeps a while before it closes: the real-time unloader must sleep in its wait, or the holder never runs again',
  {
    cpuCount: 1, modules: ['demo_lib', 'demo_chardev'], needsWaitingUnload: true, bounds: { preemptions: 1, irqs: 0 },
    catches: 'a wait for the count that polls instead of sleeping: a real-time unloader then starves the holder it waits for (a livelock on one CPU)',
    exercises: [cell('put', 'wait', 'preemptible')],
  },
  holderStartsRealtimeUnloader({ wait: true }),
);

/**
 * The same with `chrt -f 50 rmmod -f --wait` on a kernel built with forced unload, where a design
 * that refuses to wait for users (today's Linux) still waits, by polling the count between sleeps.
 */
export const realtimeForcedWaitOnOneCpu = defineScenario(
  'realtime-forced-wait-on-one-cpu',
  'on a one-CPU machine, on a kernel built with forced unload, a normal task opens the device, starts `chrt -f rmmod -f --wait` (SCHED_FIFO) and sleeps a while before it closes: the real-time unloader must sleep between its looks at the count, or the holder never runs again',
  {
    cpuCount: 1, modules: ['demo_lib', 'demo_chardev'], forceUnload: true, bounds: { preemptions: 1, irqs: 0 },
    catches: 'a forced wait that polls the count without sleeping between looks: a real-time unloader then starves the holder it waits for',
    exercises: [cell('put', 'wait', 'preemptible')],
  },
  holderStartsRealtimeUnloader({ wait: true, force: true }),
);

function holderStartsRealtimeUnloader(flags: { readonly wait: boolean; readonly force?: boolean }): ScenarioBody {
  return (machine, core) => {
    const record = unloadRecord(machine);
    machine.spawn({ name: 'cat', cpu: 0, body: function* (self) {
      const open = yield* openDevice(core, self, 'demo_chardev');
      if (!open.ok) return;
      // The holder starts the unloader itself, so the unloader cannot run before the open.
      yield spawn({ name: 'rmmod', cpu: 0, bound: true, priority: 'fifo', body: (unloader) => unload(core, unloader, record, flags) });
      yield* msleep();
      yield* closeDevice(core, self, open.value);
    } });
    return () => unloadConsistent(core, record);
  };
}
