import { OpCode, ok, RoundRobinScheduler, type Choice, type Machine, type Scheduler, type SchedulerView } from '@kmodsim/cpu';
import type { RefcountStrategy } from '@kmodsim/refcount';
import { attempt, bootCostMachine, COST_MODULE, runToEnd, type CostMachineOptions, type CostResult } from './cost-machine.js';

// delete_module of a module nobody uses: what the seed's design pays for its cheap references.
// Its stop_machine takes every CPU for the sum, with interrupts off, so the whole machine feels
// an unload; a global count's unload touches one line.

/** stop_machine's stopper threads, as Linux names them. */
const STOPPER_COMM = 'migration/';

/** 1 for the operations after which a CPU may run something else, or have its interrupts turned on or off (by OpCode). */
const SWITCHING_OR_MASKING = new Uint8Array(32);
for (const code of [OpCode.IrqDisable, OpCode.IrqEnable, OpCode.IrqSave, OpCode.IrqRestore, OpCode.Schedule, OpCode.ScheduleTimeout, OpCode.SetAffinity, OpCode.Exit]) {
  SWITCHING_OR_MASKING[code] = 1;
}

/**
 * Watches an unload without tracing it (a trace formats every step, which would cost more than
 * the unload): it makes round-robin's choices, and after a step that can have changed what its
 * CPU runs or whether its interrupts are on, looks at that CPU (no other can have changed: a
 * wake only queues a task, which takes its CPU by a step of that CPU's own). It notes how long each
 * CPU was held by its stopper thread (it runs nothing else meanwhile) and each CPU's longest
 * window with interrupts off, whatever task or handler had them off. Interrupts are read from
 * a probe: an interrupt line on every CPU that round-robin never raises, deliverable exactly
 * when that CPU's interrupts are on.
 */
class UnloadWatch implements Scheduler {
  readonly schedule: string;
  readonly stoppedCycles: Float64Array;
  readonly longestIrqsOff: Float64Array;
  stopperRan = false;
  private readonly stoppedSince: Float64Array;
  private readonly irqsOffSince: Float64Array;
  private readonly roundRobin = new RoundRobinScheduler();
  private watched: { readonly machine: Machine; readonly probe: number } | undefined;
  private lastCpu = -1;
  private lastMayChange = false;
  /** What each CPU ran after its last step (its task, or the handler on top of it). */
  private readonly frames: unknown[] = [];
  /** 1 for a CPU that was in an interrupt handler after its last step looked at. */
  private readonly inHandler: Uint8Array;

  constructor(cpuCount: number) {
    this.schedule = this.roundRobin.schedule;
    this.stoppedCycles = new Float64Array(cpuCount);
    this.longestIrqsOff = new Float64Array(cpuCount);
    this.stoppedSince = new Float64Array(cpuCount).fill(-1);
    this.irqsOffSince = new Float64Array(cpuCount).fill(-1);
    this.inHandler = new Uint8Array(cpuCount);
  }

  /** From now on: whatever the stoppers did while the kernel booted is not the unload's. */
  start(machine: Machine): void {
    const probe = machine.addIrqSource({ name: 'irqs-off probe', handler: function* () { /* never raised */ } });
    this.watched = { machine, probe };
  }

  choose(view: SchedulerView): Choice {
    if (this.lastMayChange) this.observe();
    const choice = this.roundRobin.choose(view);
    this.lastCpu = choice.cpu;
    this.lastMayChange = this.mayChange(choice);
    return choice;
  }

  /**
   * Whether the step chosen can change its CPU's task, handler or interrupts: an interrupt or a
   * preemption; a CPU with no operation pending (it switches to a queued task) or with a task
   * queued for it (a stopper takes it first); an operation that switches or masks; or any
   * operation of a handler, whose last one returns from it.
   */
  private mayChange(choice: Choice): boolean {
    if (this.watched === undefined) return false;
    if (choice.kind !== 'step' || this.inHandler[choice.cpu] === 1) return true;
    const { machine } = this.watched;
    const op = machine.pendingOperation(choice.cpu);
    return op === undefined || SWITCHING_OR_MASKING[op.code] === 1 || machine.runQueueLength(choice.cpu) > 0;
  }

  /** The CPU that took the last step, as it is after it. */
  observe(): void {
    const cpu = this.lastCpu;
    this.lastMayChange = false;
    if (this.watched === undefined || cpu < 0) return;
    const { machine, probe } = this.watched;
    const now = machine.clockOf(cpu);
    // Only a step that switched tasks, or entered or left a handler, can change who holds the CPU.
    const frame = machine.contextOf(cpu);
    if (frame !== this.frames[cpu]) {
      this.frames[cpu] = frame;
      this.inHandler[cpu] = frame?.inIrq === true ? 1 : 0;
      this.heldOrNot(machine, cpu, frame?.comm.startsWith(STOPPER_COMM) === true, now);
    }
    const off = !machine.irqDeliverable(cpu, probe);
    const offSince = this.irqsOffSince[cpu] ?? -1;
    if (off && offSince < 0) this.irqsOffSince[cpu] = now;
    if (!off && offSince >= 0) {
      this.longestIrqsOff[cpu] = Math.max(this.longestIrqsOff[cpu] ?? 0, now - offSince);
      this.irqsOffSince[cpu] = -1;
    }
  }

  private heldOrNot(machine: Machine, cpu: number, held: boolean, now: number): void {
    const stoppedSince = this.stoppedSince[cpu] ?? -1;
    if (held && stoppedSince < 0) {
      // A task comes onto a CPU only by a step of its own that switches to it: the switch is the stop's start.
      this.stopperRan = true;
      this.stoppedSince[cpu] = now - machine.profile.cycles.contextSwitch;
    } else if (!held && stoppedSince >= 0) {
      this.stoppedCycles[cpu] = (this.stoppedCycles[cpu] ?? 0) + now - stoppedSince;
      this.stoppedSince[cpu] = -1;
    }
  }
}

export interface UnloadCost {
  /** From delete_module's call to its return, on the unloader's CPU. */
  readonly cycles: number;
  /** Over the CPUs other than the unloader's: the longest any was held by its stopper thread, and the mean. */
  readonly othersStoppedMax: number;
  readonly othersStoppedMean: number;
  /** The longest window any other CPU spent with interrupts off: latency added to every interrupt there. */
  readonly othersIrqsOffMax: number;
  /** Whether a stopper thread ran for the unload on any CPU (the unloader's own included): the design stops the machine. */
  readonly stopsMachine: boolean;
}

/** An unload of an unused module (O_NONBLOCK, as rmmod without --wait) from CPU 0, every CPU watched. */
export function unloadCost(strategy: RefcountStrategy, options: CostMachineOptions): CostResult<UnloadCost> {
  const watch = new UnloadWatch(options.cpuCount);
  const booted = bootCostMachine(strategy, options, watch);
  if (!booted.ok) return booted;
  const { machine, core } = booted.value;
  const what = 'unloading an unused module';
  return attempt(strategy, options.cpuCount, what, () => {
    let cycles = -1;
    let refused = '';
    machine.spawn({ name: 'rmmod', cpu: 0, bound: true, body: function* (self) {
      const start = machine.clockOf(self.cpu);
      const result = yield* core.deleteModule(self, COST_MODULE, { nonblock: true, trunc: false });
      if (result.ok) cycles = machine.clockOf(self.cpu) - start;
      else refused = `${result.errno} (${result.message})`;
    } });
    watch.start(machine);
    const ran = runToEnd(machine, strategy, what);
    watch.observe();
    if (!ran.ok) return ran;
    if (cycles < 0) throw new Error(`delete_module of an unused module failed: ${refused}`);
    const others = [...watch.stoppedCycles.subarray(1)];
    return ok({
      cycles,
      othersStoppedMax: Math.max(0, ...others),
      othersStoppedMean: others.length === 0 ? 0 : others.reduce((sum, value) => sum + value, 0) / others.length,
      othersIrqsOffMax: Math.max(0, ...watch.longestIrqsOff.subarray(1)),
      stopsMachine: watch.stopperRan,
    });
  });
}
