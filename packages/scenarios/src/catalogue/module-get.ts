import { atomicInc, cpuRelax, load, spinLock, spinlockAt, spinUnlock, store, wakeUpProcess, type KernelCode } from '@kmodsim/cpu';
import { closeDevice, openDevice, readDevice } from '@kmodsim/module';
import { ModuleState } from '@kmodsim/refcount';
import { cell } from '../contract.js';
import { defineScenario } from '../scenario.js';
import { msleep, referencesLeaked, spawnUnloaderOnceHeld, unloadConsistent, unloadRecord, waitWhile } from '../users.js';

/**
 * __module_get() during rmmod --wait: the reference Linux 2.6.35 found the seed's design could
 * lose ("module: fix up possibly racy module refcounting"). A user holds the device open on CPU 1
 * and hands work to a kworker on CPU 0, which pins the module with __module_get (under the
 * device's lock, seeing the file open: a reference is certainly held) and runs the work later;
 * then the user closes. The waiting unloader sums the per-CPU counters without stopping anything:
 * if it reads CPU 0's counter before the kworker's increment and CPU 1's after the user's
 * decrement, the sum is zero while the kworker's reference is held, and the module goes under
 * the kworker. 2.6.35 counts increments and decrements apart and sums the decrements first, so
 * every decrement it sees comes with the increment before it.
 */
export const moduleGetDuringWait = defineScenario(
  'module-get-during-wait',
  'rmmod --wait on CPU 0 while a user on CPU 1 holds the device and hands work to a kworker on CPU 0, which takes its own reference with __module_get and runs the work later; the user then closes: the unloader must not see zero while the kworker holds its reference',
  {
    cpuCount: 2, modules: ['demo_lib', 'demo_chardev'], needsWaitingUnload: true, bounds: { preemptions: 2, irqs: 0 },
    catches: 'a count summed while references move between CPUs (the race 2.6.35 fixed by splitting increments from decrements)',
    exercises: [cell('get', 'stop', 'preempt-off'), cell('get', 'wait', 'preempt-off'), cell('put', 'stop', 'preemptible'), cell('put', 'wait', 'preemptible')],
  },
  (machine, core) => {
    const module = core.find('demo_chardev');
    if (module === undefined) throw new Error('the demo kernel has no demo_chardev');
    const record = unloadRecord(machine);
    const lock = spinlockAt('device: demo_chardev lock', machine.alloc('device: demo_chardev lock', 2, { lineAligned: true }).base);
    const opened = machine.alloc('device: open count', 1).base;
    const holding = machine.alloc('cat: device open', 1).base;
    const handed = machine.alloc('device: work handed on', 1).base;
    const queued = machine.alloc('device: work queued', 1).base;
    let catPid = 0;
    const kworker = machine.spawn({ name: 'kworker/0:1', cpu: 0, bound: true, body: function* (self) {
      yield* waitWhile(queued, (value) => value === 0);
      yield* spinLock(lock);
      const pinned = (yield load(opened)) > 0;
      // The open file holds a reference, so this one may be taken unconditionally.
      if (pinned) yield* core.moduleGet(self, module);
      yield store(handed, 1);
      yield* spinUnlock(lock);
      yield wakeUpProcess(catPid);
      if (!pinned) return;
      // Delayed work: it runs once the machine has nothing more urgent to do.
      yield* msleep();
      yield* readDevice(core, self, module);
      yield* core.modulePut(self, module);
    } });
    catPid = machine.spawn({ name: 'cat', cpu: 1, bound: true, body: function* (self) {
      const open = yield* openDevice(core, self, 'demo_chardev');
      if (!open.ok) {
        yield store(queued, 1);
        yield wakeUpProcess(kworker);
        return;
      }
      yield* setOpened(lock, opened, 1);
      yield store(holding, 1);
      // The user hands its work on once the unload has begun (the module is GOING).
      while ((yield load(open.value.cells.state)) !== ModuleState.GOING) yield cpuRelax();
      yield store(queued, 1);
      yield wakeUpProcess(kworker);
      yield* waitWhile(handed, (value) => value === 0);
      yield* setOpened(lock, opened, 0);
      yield* closeDevice(core, self, open.value);
    } });
    spawnUnloaderOnceHeld(machine, core, holding, record, { wait: true });
    return () => unloadConsistent(core, record);
  },
);

/**
 * accept() during rmmod --wait. A server on CPU 1 holds a listening socket of a protocol module
 * (the demo chardev's open file stands in for it: it pins its owner as a socket pins
 * sock->ops->owner) and, a moment later (a timer), calls accept() on it. accept() takes the new
 * socket's reference with __module_get on entry, unconditionally, because the listening socket
 * holds one (net/socket.c sys_accept4 in 2.6.35: "We don't need try_module_get here, as the
 * listening socket (sock) has the protocol module (sock->ops->owner) held"); with nothing to
 * accept (a non-blocking socket's -EAGAIN, or a signal) it fails, and fput() of the new file
 * drops that reference in sock_release(): a module_put on the same CPU. The server serves on a
 * while and closes. rmmod --wait on CPU 0 may sum the counters while that get and put land: the
 * listening socket's reference must keep the sum above zero. 2.6.35's module_refcount() reads the
 * decrements, then after smp_rmb() the increments; without that barrier a weakly ordered CPU may
 * read the put's decrement with an increment older than the get's, and free the module under the
 * server. (The model's unload stops the machine first, as 2.6.35's does with O_NONBLOCK; without
 * it 2.6.35 only marks the module going and waits for synchronize_sched().)
 */
export const acceptDuringWait = defineScenario(
  'accept-during-wait',
  "rmmod --wait on CPU 0 while a server on CPU 1 holds a listening socket of the module (the device held open) and, a moment later, at any point of the unload, calls accept(): it takes the new socket's reference with __module_get, finds nothing to accept and drops it with fput(); then the server serves on and closes: the unloader must not see zero while the listening socket is held",
  {
    cpuCount: 2, modules: ['demo_lib', 'demo_chardev'], needsWaitingUnload: true, bounds: { preemptions: 2, irqs: 0 },
    catches: 'a sum that reads a put without the get before it (module_refcount() without its smp_rmb(), under a relaxed memory model)',
    exercises: [cell('get', 'wait', 'preemptible'), cell('put', 'wait', 'preemptible')],
  },
  (machine, core) => {
    const record = unloadRecord(machine);
    const holding = machine.alloc('server: listening', 1).base;
    machine.spawn({ name: 'server', cpu: 1, bound: true, body: function* (self) {
      const listening = yield* openDevice(core, self, 'demo_chardev');
      if (!listening.ok) return;
      yield store(holding, 1);
      // A moment later the server calls accept().
      yield* msleep(CONNECTION_CYCLES);
      // The listening socket holds a reference, so the new socket's is taken unconditionally.
      yield* core.moduleGet(self, listening.value);
      // Nothing to accept: fput() of the new file, sock_release() drops the new socket's reference.
      yield* core.modulePut(self, listening.value);
      yield* msleep();
      yield* readDevice(core, self, listening.value);
      yield* closeDevice(core, self, listening.value);
    } });
    spawnUnloaderOnceHeld(machine, core, holding, record, { wait: true });
    return () => unloadConsistent(core, record);
  },
);

/** How long after the listen the server calls accept(): about as long as the unload takes to begin its wait. */
const CONNECTION_CYCLES = 5000;

function* setOpened(lock: ReturnType<typeof spinlockAt>, opened: number, value: number): KernelCode<void> {
  yield* spinLock(lock);
  yield store(opened, value);
  yield* spinUnlock(lock);
}

/**
 * __module_get() racing a put of another reference on another CPU, with no unload at all: a user
 * on CPU 0 pins the module for a moment (a second reference for work it does itself) while a user
 * on CPU 1 closes its own open. Both counts must survive: the references all go, and the count
 * ends at zero. A __module_get that reads and writes the count in two steps without the lock the
 * puts take loses one of the two updates.
 */
export const moduleGetVersusClose = defineScenario(
  'module-get-vs-close',
  'two users hold the device open; the one on CPU 0 pins the module with __module_get for work of its own while the one on CPU 1 closes; then CPU 0 drops both: no update may be lost, the count ends at zero',
  {
    cpuCount: 2, modules: ['demo_lib', 'demo_chardev'], bounds: { preemptions: 1, irqs: 0 },
    catches: 'a __module_get that is not atomic against a module_put on another CPU (a lost update: a reference leaked or one freed too early)',
    exercises: [],
  },
  (machine, core) => {
    const module = core.find('demo_chardev');
    if (module === undefined) throw new Error('the demo kernel has no demo_chardev');
    const bothOpen = machine.alloc('users: devices open', 1).base;
    for (const cpu of [0, 1]) {
      machine.spawn({ name: `user${cpu}`, cpu, bound: true, body: function* (self) {
        const open = yield* openDevice(core, self, 'demo_chardev');
        if (!open.ok) return;
        yield atomicInc(bothOpen);
        while ((yield load(bothOpen)) < 2) yield cpuRelax();
        if (cpu === 0) {
          yield* core.moduleGet(self, open.value);
          yield* readDevice(core, self, open.value);
          yield* core.modulePut(self, open.value);
        }
        yield* closeDevice(core, self, open.value);
      } });
    }
    return () => referencesLeaked(module);
  },
);
