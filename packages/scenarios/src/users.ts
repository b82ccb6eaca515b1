import { cpuRelax, schedule, scheduleTimeout, setCurrentState, load, type ExecutionContext, type KernelCode, type Machine, type MemObject, type Result } from '@kmodsim/cpu';
import { closeDevice, moduleInfo, openDevice, readDevice, type KernelModule, type ModuleCore } from '@kmodsim/module';

// What the scenarios' users and unloaders do, and the checks every scenario ends with: no
// reference leaked, the unload and the module's presence agreeing, nothing left half done.

/**
 * open, `reads` reads, close; returns whether the open succeeded. With `yieldBetweenReads` the
 * reader calls cond_resched() between reads, as a long read loop does: the CPU may switch there,
 * which is also an RCU quiescent state, so a design that counts on users never rescheduling
 * while they hold a reference is caught.
 */
export function* useDevice(core: ModuleCore, self: ExecutionContext, reads: number, yieldBetweenReads = false): KernelCode<boolean> {
  const open = yield* openDevice(core, self, 'demo_chardev');
  if (!open.ok) return false;
  for (let read = 0; read < reads; read++) {
    // schedule() in TASK_RUNNING switches only when a task of the same class waits for this CPU.
    if (yieldBetweenReads && read > 0) yield schedule();
    yield* readDevice(core, self, open.value);
  }
  yield* closeDevice(core, self, open.value);
  return true;
}

/** Sleeps while `busy(value of cell)`, in Linux's order: set the state, then test. */
export function* waitWhile(cell: number, busy: (value: number) => boolean): KernelCode<void> {
  for (;;) {
    yield setCurrentState('TASK_UNINTERRUPTIBLE');
    if (!busy(yield load(cell))) break;
    yield schedule();
  }
  yield setCurrentState('TASK_RUNNING');
}

/** A syscall's result as the scenarios record it: 'ok' or the errno. */
export function resultText(result: Result<unknown>): string {
  return result.ok ? 'ok' : result.errno;
}

/** Where each scenario's unloader writes how its delete_module ended. */
export interface UnloadRecord {
  rmmod?: string;
}

/** An empty unload record, kept by the machine: a rewind to a checkpoint puts back what it said then. */
export function unloadRecord(machine: Machine): UnloadRecord {
  const record: UnloadRecord = {};
  machine.keepHostState<string | undefined>({
    name: 'what rmmod returned',
    save: () => record.rmmod,
    load: (saved) => {
      if (saved === undefined) delete record.rmmod;
      else record.rmmod = saved;
    },
  });
  return record;
}

/**
 * After the run: rmmod returned, its answer and the module's presence agree, and a module left
 * behind counts exactly the references still held (`held`: those the scenario keeps on purpose).
 */
export function unloadConsistent(core: ModuleCore, record: UnloadRecord, held = 0): string | undefined {
  const module = core.find('demo_chardev');
  if (record.rmmod === undefined) return 'rmmod never returned (the unloader did not finish)';
  if ((record.rmmod === 'ok') !== (module === undefined)) return `rmmod returned ${record.rmmod} but the module is ${module === undefined ? 'gone' : 'still loaded'}`;
  return module === undefined ? memoryLeaked(core, 'demo_chardev') : referencesLeaked(module, held) ?? memoryLeaked(core, 'demo_chardev');
}

/**
 * What a freed module left allocated, as kmemleak would report it: none of its memory may outlive
 * it. That is whatever the strategy's createModule allocated for it, named as the strategy likes,
 * and, when no module of that name is loaded now, everything named after the module: the module
 * core's (`demo_chardev: struct module`, `demo_chardev.ko .text`) and the strategy's
 * (`demo_chardev.ref`).
 */
export function memoryLeaked(core: ModuleCore, name: string): string | undefined {
  const allocatedForIt = new Set(core.history(name).filter((module) => module.freed).flatMap((module) => module.refcountTape.allocated));
  const loaded = core.find(name) !== undefined;
  const namedForIt = (object: MemObject): boolean => !loaded && (object.name.startsWith(`${name}.`) || object.name.startsWith(`${name}:`));
  const left = core.machine.liveObjects().filter((object) => namedForIt(object) || allocatedForIt.has(object.base));
  return left.length === 0 ? undefined : `${name} was unloaded but its ${left.map((object) => object.name).join(', ')} ${left.length === 1 ? 'is' : 'are'} still allocated (a leak)`;
}

/** The module's unloader (or failed load) sleeps in its wait for zero, woken only by a put. */
export function unloaderAsleep(machine: Machine, module: KernelModule): boolean {
  const pid = module.waitingUnloader;
  return pid !== 0 && machine.task(pid)?.state === 'TASK_UNINTERRUPTIBLE';
}

/** The count of a module left loaded, against the references its users still hold. */
export function referencesLeaked(module: KernelModule, held = 0): string | undefined {
  const count = moduleInfo(module).refcount;
  if (count === held) return undefined;
  return `${held === 0 ? 'no user is left' : `${held} references are held`} but the refcount of ${module.name} is ${count} (${count > held ? 'a reference leaked' : 'an update was lost'})`;
}

/** rmmod on the scenario's module, recording its answer. */
export function* unload(core: ModuleCore, self: ExecutionContext, record: UnloadRecord, flags: { readonly wait?: boolean; readonly force?: boolean } = {}): KernelCode<void> {
  const result = yield* core.deleteModule(self, 'demo_chardev', { nonblock: flags.wait !== true, trunc: flags.force === true });
  record.rmmod = resultText(result);
}

/**
 * rmmod on CPU 0 once `holding` is set (its user has the device open), recording its answer: the
 * unload then races whatever the user does next. Resumes with the unloader's pid.
 */
export function spawnUnloaderOnceHeld(machine: Machine, core: ModuleCore, holding: number, record: UnloadRecord, flags: { readonly wait?: boolean; readonly force?: boolean } = {}): number {
  return machine.spawn({ name: 'rmmod', cpu: 0, bound: true, body: function* (self) {
    while ((yield load(holding)) === 0) yield cpuRelax();
    yield* unload(core, self, record, flags);
  } });
}

/**
 * How long a scenario's task waits "a while" (a device at work, a holder keeping a file open): long
 * enough that its timer fires only once the machine has nothing more urgent to do.
 */
export const A_WHILE_CYCLES = 1_000_000;

/** msleep(): sleeps until a timer wakes it, letting its CPU go to whatever else wants it. */
export function* msleep(cycles: number = A_WHILE_CYCLES): KernelCode<void> {
  yield setCurrentState('TASK_INTERRUPTIBLE');
  yield scheduleTimeout(cycles);
}
