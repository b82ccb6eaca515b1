import { done, fail, ok, scheduleTimeout, setCurrentState, spawn, type KernelCode, type Machine, type Result, type TraceEvent } from '@kmodsim/cpu';
import { readModuleImage, type ModuleImage } from '@kmodsim/linker';
import { formatKernelTaint, type ModuleCore } from '@kmodsim/module';
import { imageSha256, readImage } from '../machine-store/machine-store.js';
import type { BootConfig, ImageRef, JournalRecord } from '../machine-store/records.js';
import { sessionDataOf, type SessionData } from './session-data.js';
import { commandTask, type CommandContext, type Holder } from './command-tasks.js';
import { bootKernel } from './kernel-boot.js';
import type { CommandOutcome } from './outcomes.js';
import { cyclesAt, cyclesPerMs } from './time.js';

// A machine brought back to life: booted from its configuration, then every journal record
// applied in order. Each record is one "kmodsim" driver task: it sleeps until the record's
// wall time (timers that fall due meanwhile fire: holders whose --for ends), starts the
// command's task, and waits until that task has finished or gone to sleep and the machine has
// nothing else left to run. The same journal therefore gives the same machine, byte for byte.

/** How often the driver looks whether the command has settled: a microsecond's worth of cycles. */
const SETTLE_POLL_MS = 0.001;
export const DRIVER_COMM = 'kmodsim';

/** A session's answer: a machine that cannot boot, or a journal it cannot replay, is the failure (EIO, or the boot's errno). */
export type SessionResult<T> = Result<T>;

/** A command's task, by its journal record's seq, in a machine saved to bytes. */
const COMMAND_BODY = 'kmodsim command';

/** Parsed module images, by content, shared by every replay in this process. */
const imageCache = new Map<string, ModuleImage>();

export class MachineSession {
  readonly holders = new Map<number, Holder>();
  readonly notes = new Map<number, string>();
  private readonly outcomes = new Map<number, CommandOutcome>();
  /** Trace position at the start of each applied record, by sequence number. */
  private readonly traceMarks = new Map<number, number>();
  private readonly context: CommandContext;
  /** The kernel's "Tainted:" value as each oops reported it, before that oops added 'D'. */
  readonly oopsTaints: string[] = [];

  private constructor(readonly dir: string, readonly config: BootConfig, readonly machine: Machine, readonly core: ModuleCore, private readonly traceEvents: readonly TraceEvent[] | undefined) {
    this.context = {
      machine,
      core,
      embedded: config.kernel.kind === 'embedded',
      image: (ref) => this.image(ref),
      holders: this.holders,
      notes: this.notes,
      cyclesForMs: (ms) => ms * cyclesPerMs(machine),
    };
  }

  static boot(dir: string, config: BootConfig, options: { readonly trace: boolean }): SessionResult<MachineSession> {
    const booted = bootKernel(config, options);
    if (!booted.ok) return booted;
    const { machine, core, trace } = booted.value;
    return ok(new MachineSession(dir, config, machine, core, trace?.events));
  }

  /** Boots and replays a journal. A replay that faults means the journal and this kmodsim disagree. */
  static restore(dir: string, config: BootConfig, records: readonly JournalRecord[], options: { readonly trace: boolean }): SessionResult<MachineSession> {
    const session = MachineSession.boot(dir, config, options);
    if (!session.ok) return session;
    for (const record of records) {
      const applied = session.value.apply(record);
      if (!applied.ok) return fail(applied.errno, `replaying journal record ${record.seq} failed: ${applied.message}`);
    }
    return session;
  }

  /** Runs the machine up to the record's time, then the command, until it settles. */
  apply(record: JournalRecord): SessionResult<CommandOutcome> {
    // Images are read before the machine runs: a missing one is damage to report, not an oops.
    if (record.command.kind === 'insmod') {
      for (const ref of record.command.images) {
        const image = this.loadImage(ref);
        if (typeof image === 'string') return fail('EIO', image);
      }
    }
    this.traceMarks.set(record.seq, this.traceEvents?.length ?? 0);
    const task = commandTask(this.context, record.command, record.wallMs);
    this.outcomes.set(record.seq, task.outcome);
    const run = this.drive(record.wallMs, task, record.seq);
    return run.ok ? ok(task.outcome) : run;
  }

  /** Lets simulated time run up to a wall time with no command: what a reader sees now. */
  advanceTo(wallMs: number): SessionResult<undefined> {
    return this.drive(wallMs, undefined);
  }

  /**
   * The session as bytes and plain data (machine.state), or why it cannot be saved now (a part
   * of the kernel whose state is code in flight): then the next command replays the journal.
   */
  saveState(): Result<{ readonly session: SessionData; readonly machine: Uint8Array }> {
    const bytes = this.machine.snapshotBytes();
    if (!bytes.ok) return bytes;
    return ok({ session: { holders: [...this.holders], notes: [...this.notes], oopsTaints: this.oopsTaints, outcomes: [...this.outcomes] }, machine: bytes.value });
  }

  /**
   * A session loaded from what saveState() saved after the journal's last record: the kernel is
   * booted as the configuration says (its kthreads and host objects made afresh), then taken to
   * the saved state; a live command's task gets its body again from its journal record.
   */
  static fromState(dir: string, config: BootConfig, records: readonly JournalRecord[], state: { readonly session: unknown; readonly machine: Uint8Array }): SessionResult<MachineSession> {
    const booted = MachineSession.boot(dir, config, { trace: false });
    if (!booted.ok) return booted;
    const session = booted.value;
    const data = sessionDataOf(state.session);
    if (data === undefined) return fail('EBADMSG', 'its session data is not laid out as kmodsim writes it');
    for (const [pid, holder] of data.holders) session.holders.set(pid, holder);
    for (const [pid, note] of data.notes) session.notes.set(pid, note);
    session.oopsTaints.push(...data.oopsTaints);
    for (const [seq, outcome] of data.outcomes) session.outcomes.set(seq, outcome);
    const loaded = session.machine.rewindFromBytes(state.machine, {
      [COMMAND_BODY]: ([seq]) => {
        const record = records[Number(seq) - 1];
        if (record === undefined || record.seq !== seq) throw new Error(`the journal has no record ${String(seq)}`);
        const task = commandTask(session.context, record.command, record.wallMs);
        session.outcomes.set(record.seq, task.outcome);
        return task.body;
      },
    });
    if (!loaded.ok) return loaded;
    return ok(session);
  }

  /** Records applied so far. */
  get journalLength(): number {
    return this.outcomes.size;
  }

  outcomeOf(seq: number): CommandOutcome | undefined {
    return this.outcomes.get(seq);
  }

  /** Trace events from the start of record `seq` on (all of them without tracing: none). */
  traceSince(seq: number): readonly TraceEvent[] {
    return this.traceEvents?.slice(this.traceMarks.get(seq) ?? 0) ?? [];
  }

  isAlive(pid: number): boolean {
    const task = this.machine.task(pid);
    return task !== undefined && task.state !== 'TASK_DEAD';
  }

  private drive(wallMs: number, task: ReturnType<typeof commandTask> | undefined, seq = 0): SessionResult<undefined> {
    const machine = this.machine;
    const targetCycles = cyclesAt(machine, this.config.bootWallMs, wallMs);
    const pollCycles = SETTLE_POLL_MS * cyclesPerMs(machine);
    machine.spawn({
      name: DRIVER_COMM,
      cpu: 0,
      bound: true,
      body: function* (self): KernelCode<void> {
        yield* sleepCycles(targetCycles - machine.clockOf(self.cpu));
        // Named by its record, so that a machine saved to bytes finds the command's body again.
        const pid = task === undefined ? undefined : yield spawn({ name: task.comm, daemon: true, body: task.body, bodyRef: { name: COMMAND_BODY, args: [seq] } });
        // Whatever the command (or the time that passed) set going plays out before the driver ends.
        while (!settled(machine, self.cpu, pid)) {
          noticeOopses();
          yield* sleepCycles(pollCycles);
        }
      },
    });
    const noticeOopses = (): void => {
      this.noticeOopses();
    };
    const run = machine.run();
    this.noticeOopses();
    // The driver and the tasks that have ended are reaped, as their parents would: what the
    // machine keeps (and machine.state holds) does not grow with every command ever given.
    for (const task of machine.taskList()) if (task.state === 'TASK_DEAD') machine.reap(task.pid);
    return run.ok ? done : fail('EIO', `the machine stopped: ${run.fault.kind}: ${run.fault.message}`);
  }

  /** Each oops the machine recorded since the last look taints the kernel, as oops_end does. */
  private noticeOopses(): void {
    for (let index = this.oopsTaints.length; index < this.machine.oopses.length; index++) {
      this.oopsTaints.push(formatKernelTaint(this.core.taints));
      this.core.noteOops();
    }
  }

  private image(ref: ImageRef): ModuleImage {
    const image = this.loadImage(ref);
    if (typeof image === 'string') throw new Error(image);
    return image;
  }

  private loadImage(ref: ImageRef): ModuleImage | string {
    const cached = imageCache.get(ref.sha256);
    if (cached !== undefined) return cached;
    const bytes = readImage(this.dir, ref.sha256);
    if (bytes === undefined) return `images/${ref.sha256}.ko (${ref.file}) is missing`;
    // Images are kept by content: one whose content is not its name is another module (swapped or
    // edited), and replaying it would rebuild a machine the journal never described.
    const sha256 = imageSha256(bytes);
    if (sha256 !== ref.sha256) return `images/${ref.sha256}.ko (${ref.file}) does not hold the module the journal names: its content's SHA-256 is ${sha256}`;
    const image = readModuleImage(ref.file, bytes);
    if (!image.ok) return `images/${ref.sha256}.ko (${ref.file}) no longer reads as a module: ${image.message}`;
    imageCache.set(ref.sha256, image.value);
    return image.value;
  }
}

function* sleepCycles(cycles: number): KernelCode<void> {
  if (cycles <= 0) return;
  yield setCurrentState('TASK_INTERRUPTIBLE');
  yield scheduleTimeout(cycles);
}

/**
 * The command's task has ended or sleeps, and nothing is left to run but the driver: no other
 * CPU has work, and none waits on the driver's own CPU either. That last part matters: a task
 * the command woke may sit on the driver's run queue, preempted there by a stopper thread (as
 * rmmod --wait is when its stop_machine wakes migration/0), and a driver that ended then would
 * leave it runnable, never run, until some later command happened to replay past it.
 */
function settled(machine: Machine, driverCpu: number, pid: number | undefined): boolean {
  const task = pid === undefined ? undefined : machine.task(pid);
  if (task !== undefined && task.state !== 'TASK_DEAD' && (task.state === 'TASK_RUNNING' || task.onCpu)) return false;
  return machine.activeCpuCount <= 1 && machine.runQueueLength(driverCpu) === 0 && !machine.ipiDeliverable(driverCpu);
}
