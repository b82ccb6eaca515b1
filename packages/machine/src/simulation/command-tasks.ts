import { schedule, scheduleTimeout, setCurrentState, wakeUpProcess, type ExecutionContext, type KernelCode, type Machine, type TaskBody } from '@kmodsim/cpu';
import type { ModuleImage } from '@kmodsim/linker';
import { closeDevice, demoBehaviours, moduleInfo, openDevice, type KernelModule, type ModuleCore } from '@kmodsim/module';
import type { ImageRef, JournalCommand } from '../machine-store/records.js';
import type { CommandOutcome, HoldOutcome, InsmodOutcome, RemoveResult, RmmodOutcome } from './outcomes.js';

// The user-space side of each command, as a task on the simulated machine: what insmod, rmmod,
// modprobe and a device's user do, through the module core's system calls. The checks kmod's
// rmmod makes before delete_module (holders, refcount) read the kernel's state at the moment
// the task runs, as reading /sys/module would.

export interface Holder {
  readonly module: string;
  readonly how: 'device' | 'reference';
  /** When its --for ends, or null: until released. */
  readonly untilWallMs: number | null;
}

export interface CommandContext {
  readonly machine: Machine;
  readonly core: ModuleCore;
  /** The embedded kernel's demo modules have behaviours; a real tree's modules do nothing when run. */
  readonly embedded: boolean;
  image(ref: ImageRef): ModuleImage;
  readonly holders: Map<number, Holder>;
  /** What a task is doing, for ps. */
  readonly notes: Map<number, string>;
  cyclesForMs(ms: number): number;
}

export interface CommandTask {
  readonly comm: string;
  readonly outcome: CommandOutcome;
  readonly body: TaskBody;
}

/** The task for a command; its outcome learns the task's pid when the task first runs. */
export function commandTask(context: CommandContext, command: JournalCommand, wallMs: number): CommandTask {
  switch (command.kind) {
    case 'insmod': {
      const outcome: InsmodOutcome = { kind: 'insmod', results: [] };
      return { comm: command.tool, outcome, body: (self) => insmod(context, self, command, outcome) };
    }
    case 'rmmod': {
      const outcome: RmmodOutcome = { kind: 'rmmod', pid: 0, results: [], waitingFor: undefined, finished: false };
      return { comm: command.tool, outcome, body: (self) => rmmod(context, self, command, outcome) };
    }
    case 'hold': {
      const outcome: HoldOutcome = { kind: 'hold', pid: 0, result: { kind: 'pending' } };
      const untilWallMs = command.forMs === null ? null : wallMs + command.forMs;
      return { comm: 'hold', outcome, body: (self) => hold(context, self, command.module, command.forMs, untilWallMs, outcome) };
    }
    case 'release':
      return { comm: 'release', outcome: { kind: 'release', pid: command.pid }, body: function* () { yield wakeUpProcess(command.pid); } };
  }
}

function* insmod(context: CommandContext, self: ExecutionContext, command: Extract<JournalCommand, { kind: 'insmod' }>, outcome: InsmodOutcome): KernelCode<void> {
  for (const ref of command.images) {
    if (command.skipLoaded && context.core.find(ref.name) !== undefined) {
      outcome.results.push({ name: ref.name, file: ref.file, result: { kind: 'already-loaded' } });
      continue;
    }
    const image = context.image(ref);
    const behaviour = context.embedded ? demoBehaviours[image.name] : undefined;
    // Parameters belong to the module named on the command line, the last one loaded; the
    // kernel reads them as one string, the arguments joined by spaces, as insmod joins them.
    const args = ref === command.images.at(-1) ? command.params.join(' ') : '';
    const result = yield* context.core.insertImage(self, image, { force: command.force, args, ...(behaviour === undefined ? {} : { behaviour }) });
    outcome.results.push({ name: ref.name, file: ref.file, result: result.ok ? { kind: 'loaded' } : { kind: 'failed', errno: result.errno, message: result.message } });
    if (!result.ok) return;
  }
}

function* rmmod(context: CommandContext, self: ExecutionContext, command: Extract<JournalCommand, { kind: 'rmmod' }>, outcome: RmmodOutcome): KernelCode<void> {
  outcome.pid = self.pid;
  for (const name of command.names) {
    outcome.results.push({ name, result: yield* removeOne(context, self, name, command, outcome) });
  }
  // modprobe -r: then the modules it pulled in, where nothing uses them any more.
  if (outcome.results.every((entry) => entry.result.kind === 'removed')) {
    for (const name of command.thenIfUnused) {
      const module = context.core.find(name);
      if (module === undefined || isInUse(module)) continue;
      const result = yield* context.core.deleteModule(self, name, { nonblock: true, trunc: false });
      outcome.results.push({ name, result: result.ok ? { kind: 'removed' } : { kind: 'failed', errno: result.errno, message: result.message } });
    }
  }
  outcome.finished = true;
}

function isInUse(module: KernelModule): boolean {
  const info = moduleInfo(module);
  return info.holders.length > 0 || info.refcount > 0;
}

function* removeOne(
  context: CommandContext, self: ExecutionContext, name: string, command: Extract<JournalCommand, { kind: 'rmmod' }>, outcome: RmmodOutcome,
): KernelCode<RemoveResult> {
  const module = context.core.find(name);
  // A module that is still coming or already going is loaded (its initstate says so): kmod goes
  // on to its in-use checks and the kernel answers EBUSY.
  if (module === undefined) return { kind: 'not-loaded' };
  if (!command.force) {
    // kmod's check_module_inuse; --wait means to wait for users, so only holders refuse it.
    const info = moduleInfo(module);
    if (info.holders.length > 0) return { kind: 'in-use-by', holders: info.holders };
    if (!command.wait && info.refcount > 0) return { kind: 'in-use' };
  }
  if (command.wait) {
    outcome.waitingFor = name;
    context.notes.set(self.pid, `rmmod --wait ${name}: sleeps until its users are gone`);
  }
  const result = yield* context.core.deleteModule(self, name, { nonblock: !command.wait, trunc: command.force });
  outcome.waitingFor = undefined;
  context.notes.delete(self.pid);
  return result.ok ? { kind: 'removed' } : { kind: 'failed', errno: result.errno, message: result.message };
}

/**
 * A user of a module: opens its device (the reference open(2) takes) or, for a module without
 * one, takes a reference as a kernel user would; sleeps until released or its time is up; then
 * closes — a call into the module, which oopses if the module was forced out meanwhile.
 */
function* hold(
  context: CommandContext, self: ExecutionContext, name: string, forMs: number | null, untilWallMs: number | null, outcome: HoldOutcome,
): KernelCode<void> {
  outcome.pid = self.pid;
  const { core } = context;
  const module = core.find(name);
  if (module === undefined) {
    outcome.result = { kind: 'failed', errno: 'ENOENT', message: `module ${name} is not loaded` };
    return;
  }
  const how = core.chardevs.has(name) ? 'device' : 'reference';
  const held = how === 'device' ? (yield* openDevice(core, self, name)).ok : yield* core.tryModuleGet(self, module);
  if (!held) {
    outcome.result = { kind: 'failed', errno: 'ENODEV', message: `${name} is going away` };
    return;
  }
  outcome.result = { kind: 'holding', how };
  context.holders.set(self.pid, { module: name, how, untilWallMs });
  context.notes.set(self.pid, `holds ${name} (${how === 'device' ? `/dev/${name} open` : 'a reference'})${untilWallMs === null ? '' : ` until ${new Date(untilWallMs).toISOString()}`}`);
  yield setCurrentState('TASK_INTERRUPTIBLE');
  yield forMs === null ? schedule() : scheduleTimeout(context.cyclesForMs(forMs));
  context.notes.set(self.pid, `releases ${name}`);
  if (how === 'device') yield* closeDevice(core, self, module);
  else yield* core.modulePut(self, module);
  context.holders.delete(self.pid);
  context.notes.delete(self.pid);
}
