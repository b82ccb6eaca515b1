import { OpCode, TIME_PASSES, type Choice, type FaultKind, type Machine, type Operation, type ScenarioCheck } from '@kmodsim/cpu';
import { choicePointsOf, type ChoicePoints } from './choice-points.js';
import { blocks, bufferedIn, choiceKey, opCodeOf, outcomeSignature, stepFacts, switchedIn, switchesItself, unchangedCellOf, union } from './execution-steps.js';
import { footprintOf, pendingFootprint, withDrains, withRunEnd, withSchedulerWrites, withTimerWakes, type Footprint } from './footprint.js';
import { LIVELOCK_CONFIRM_STEPS } from './fair-round-robin.js';
import { confirmLivelock, describeSpinners, hasFaulted, isLocal, type SpinLivelock } from './livelock.js';
import { SpinWatch } from './spin-watch.js';
import { firstFault } from './target.js';
import type { PerformedStep } from './trace-class.js';

/** Limits of one search. */
export interface Bounds {
  /** Switches away from a CPU whose task could have gone on, plus task preemptions. */
  readonly preemptions: number;
  /** Interrupts delivered from interrupt sources. */
  readonly irqs: number;
  /** Steps one execution may take after setup before it counts as a livelock. */
  readonly steps: number;
}

export interface Violation {
  /** A machine fault, a failed invariant of the scenario, or CPUs spinning forever. */
  readonly kind: FaultKind | 'invariant' | 'livelock';
  readonly message: string;
  /** A schedule string that replays the execution exactly (setup included). */
  readonly schedule: string;
  /** Steps of the execution after setup, and the preemptions and interrupts it used. */
  readonly steps: number;
  readonly preemptions: number;
  readonly irqs: number;
  /** Where it was detected. */
  readonly cpu: number;
  readonly comm: string;
  readonly pid: number;
  /** The step after which the search began (setup ends here). */
  readonly setupSteps: number;
}

export type Outcome =
  | { readonly kind: 'complete'; readonly signature: string }
  | { readonly kind: 'violation'; readonly violation: Violation }
  /** Cut short: every remaining choice was asleep (explored elsewhere). */
  | { readonly kind: 'pruned' }
  /** Cut short by a bound: the only ways on needed more preemptions or interrupts than allowed. */
  | { readonly kind: 'cut' };

/** One point of an execution where the search may choose. */
export interface ChoicePoint {
  readonly choices: readonly Choice[];
  /** A small number per choice, the same for the same choice at every point of a search. */
  readonly keys: readonly number[];
  /** Preemptions each choice costs here. */
  readonly costs: readonly number[];
  /** True when a choice was left out because it would pass a bound. */
  readonly bounded: boolean;
  /** True when any CPU may be chosen here without a preemption (the last one stopped of itself). */
  readonly freeSwitch: boolean;
  /**
   * True when something other than a CPU's step could happen here: an interrupt within its bound,
   * an IPI, or a preemption even past the bound (sleep-sets.ts asks whether a CPU's run of steps
   * could have been broken into for free, or where another search had budget left).
   */
  readonly detour: boolean;
  /** A schedule_timeout() timer is armed: which step fires it depends on time, which no reordering argument keeps (see sleep-sets.ts). */
  readonly timers: boolean;
  /** A choice was left out because it would pass the preemption bound (the interrupt bound alone does not set it). */
  readonly capped: boolean;
}

/** Steps at the end of an execution in which a bound left a choice out: then the step bound is a cut, not a livelock. */
const BOUNDED_WINDOW_STEPS = 1000;

/**
 * Drives one execution choice by choice after setup. The caller decides at each point; this
 * class keeps the bound counters, the spin-waiting CPUs and the outcome.
 *
 * The preemption bound counts what CHESS counts: a switch away from a CPU whose task could have
 * gone on. A switch after the last CPU's task slept, exited, spun on memory no one had written,
 * or was switched out (a stopper thread woken for stop_machine taking its CPU) is free: the
 * machine or the task itself gave the other CPUs their turn.
 */
export class ExecutionDriver {
  private readonly spin: SpinWatch;
  private readonly points: ChoicePoints;
  private lastCpu = -1;
  /** The last step on `lastCpu` changed what that CPU runs (or ended its task's turn). */
  private lastSwitched = false;
  /**
   * Under 'tso': the last step put a store into its CPU's buffer. Its flush is then the free way
   * on, as continuing on the CPU is after any other step: letting the CPU go on with the store
   * still buffered costs one, as a preemption does, so that the bound counts delayed stores too.
   */
  private lastBuffered = false;
  private preemptions = 0;
  private irqs = 0;
  private explored = 0;
  private boundedAt = -Infinity;
  /** The same, for a bound that left out something other than an interrupt. */
  private preemptionBoundedAt = -Infinity;
  /** The last point left out interrupts only (no preemption): the bound on interrupts alone cut it. */
  private onlyInterruptsLeftOut = false;
  /** The outcome is a spin livelock still to confirm (see confirmLivelock): plainly, or unless an interrupt past the bound would end it. */
  private spinLivelock: SpinLivelock = 'none';
  private readonly cpuCount: number;
  private readonly irqSources: number;
  readonly setupSteps: number;
  /** The pending operation's code when the last choice was performed (-1 when its CPU had none, -2 for a choice other than a step). */
  lastOpCode = -2;
  /** What the last choice performed did besides its footprint, which a replay of it takes as given (see stepFacts). */
  lastFacts = 0;

  constructor(readonly machine: Machine, private readonly check: ScenarioCheck | undefined, private readonly bounds: Bounds) {
    this.cpuCount = machine.cpuCount;
    this.irqSources = machine.irqSourceCount;
    this.spin = new SpinWatch(machine.cpuCount);
    // The largest key is the last CPU's store buffer flush's.
    this.points = choicePointsOf(this.cpuCount, this.irqSources, this.keyOf({ kind: 'stale', cpu: this.cpuCount - 1 }) + 1);
    this.setupSteps = machine.stepCount;
  }

  /** Lets time pass where it must; false once the execution is over (ended, faulted, or out of steps). */
  settle(): boolean {
    const machine = this.machine;
    if (this.faulted()) return false;
    do {
      while (machine.status === 'running' && machine.activeCpuCount === 0) machine.advanceIdle();
    } while (this.timePassesWhileSpinning());
    // Letting time pass runs no task code, so it cannot oops: only the machine's own faults stop it here.
    return machine.status === 'running' && this.explored < this.bounds.steps;
  }

  /**
   * When every CPU that could run spins and nothing else can happen, time passes while they
   * spin, up to the next schedule_timeout() timer, which fires: the `t` of a schedule string.
   * Without this, a CPU spinning on a flag that a task sets after a timed sleep was a livelock.
   * Replaying an execution takes the same turn at the same place: what decides it is the state.
   */
  private timePassesWhileSpinning(): boolean {
    const machine = this.machine;
    if (!this.spin.anyWaiting || !machine.timerPending || machine.status !== 'running' || this.allowedChoices().choices.length > 0) return false;
    machine.perform(TIME_PASSES);
    return true;
  }

  /** A task faulted (the machine killed it and could go on) or the run stopped on a fault. */
  private faulted(): boolean {
    return hasFaulted(this.machine);
  }

  /** The machine's next choice point, or undefined with the execution over. */
  nextPoint(): ChoicePoint | undefined {
    if (!this.settle()) return undefined;
    return this.allowedChoices();
  }

  /** A number for a choice (see choiceKey). */
  keyOf(choice: Choice): number {
    return choiceKey(choice, this.cpuCount, this.irqSources);
  }

  /** Performs choice `index` of `point` and returns what it touched (see lastFacts for what else it did). */
  perform(point: ChoicePoint, index: number): Footprint {
    const choice = point.choices[index];
    if (choice === undefined) throw new RangeError(`choice ${index} is not at this point`);
    const machine = this.machine;
    const cpu = choice.cpu;
    // A stale load is its CPU's step, reading an older value (under 'relaxed').
    const stepLike = choice.kind === 'step' || choice.kind === 'stale';
    const op = stepLike ? machine.pendingOperation(cpu) : undefined;
    const footprint = footprintOf(machine, choice);
    const before = machine.contextOf(cpu);
    const oopsesBefore = machine.oopses.length;
    const bufferedBefore = stepLike ? machine.bufferedStores(cpu) : 0;
    // A read-modify-write that left its cell as it was (a failed cmpxchg) only read it, for the spin watch.
    const rmwCell = op?.code === OpCode.Rmw ? op.cell : -1;
    const rmwValue = rmwCell >= 0 ? machine.read(rmwCell) : 0;
    machine.perform(choice);
    const switched = machine.contextOf(cpu) !== before || !stepLike;
    const touched = this.withEffects(choice, op, footprint, switched, oopsesBefore);
    const unchangedCell = rmwCell >= 0 && machine.read(rmwCell) === rmwValue ? rmwCell : -1;
    const buffered = stepLike && machine.bufferedStores(cpu) > bufferedBefore;
    this.lastOpCode = opCodeOf(op, stepLike);
    this.lastFacts = stepFacts(switched, buffered, stepLike && before?.inIrq === true, unchangedCell);
    this.account(choice, point.costs[index] ?? 0, op, touched, this.lastFacts);
    return touched;
  }

  /**
   * Performs a choice made in an earlier execution at this same point, with the footprint, cost
   * and facts (lastFacts) it had then; the pending operation must be the one it was then. What
   * the step did besides is not worked out again: the same choice from the same state does the same.
   */
  replay(choice: Choice, cost: number, footprint: Footprint, expectedOp: number, facts: number): boolean {
    const stepLike = choice.kind === 'step' || choice.kind === 'stale';
    const op = stepLike ? this.machine.pendingOperation(choice.cpu) : undefined;
    if (opCodeOf(op, stepLike) !== expectedOp) return false;
    this.machine.perform(choice);
    this.account(choice, cost, op, footprint, facts);
    return true;
  }

  /** The bound counters, the spin watch and the last CPU's state after a performed choice. */
  private account(choice: Choice, cost: number, op: Operation | undefined, touched: Footprint, facts: number): void {
    const cpu = choice.cpu;
    this.preemptions += cost;
    if (choice.kind === 'irq') this.irqs++;
    this.explored++;
    if (choice.kind === 'flush') {
      // A flush is its own process: it wakes CPUs waiting on its cell, and leaves its CPU's run as it was.
      // A CPU's own flush never changes what that CPU reads (it read its buffered store already): it wakes only the others.
      this.spin.record(this.cpuCount + cpu, undefined, touched, false, -1, cpu);
      this.lastBuffered = false;
      return;
    }
    const switched = switchedIn(facts);
    this.lastBuffered = bufferedIn(facts);
    // A stale load waits for nothing: memory may already hold what the spinner waits for.
    this.spin.record(cpu, choice.kind === 'step' ? op : undefined, touched, switched, unchangedCellOf(facts));
    this.lastCpu = cpu;
    this.lastSwitched = (choice.kind === 'step' || choice.kind === 'stale') && switched && op !== undefined && blocks(op);
  }

  /**
   * A step's footprint with what it did that was known only once it ran: a switch it forced,
   * timers it fired, a store buffer a switch or an interrupt's return drained.
   */
  private withEffects(choice: Choice, op: Operation | undefined, footprint: Footprint, switched: boolean, oopsesBefore: number): Footprint {
    const machine = this.machine;
    let touched = footprint;
    // A task killed by its fault leaves its CPU too, but the execution ends there: that is no scheduling another step could race with.
    const killed = machine.oopses.length > oopsesBefore;
    if (switched && op !== undefined && !switchesItself(op) && !killed) touched = withSchedulerWrites(machine, footprint);
    const timerWakes = machine.timerWakesOfLastChoice;
    if (timerWakes.length > 0) touched = withTimerWakes(machine, touched, timerWakes);
    const drained = machine.drainedByLastChoice;
    if (drained.length > 0 && choice.kind !== 'flush') touched = withDrains(machine, touched, drained);
    if (killed || machine.fault !== undefined) touched = withRunEnd(touched);
    return touched;
  }

  /** How the execution ended; call once no point is left or a point had no choices. */
  outcome(pruned: boolean, point?: ChoicePoint): Outcome {
    const machine = this.machine;
    const fault = firstFault(machine);
    if (fault !== undefined) return this.violation(fault.kind, fault.message, fault.cpu, fault.comm, fault.pid, fault.choices);
    if (machine.status === 'running') {
      if (pruned) return { kind: 'pruned' };
      if (this.explored >= this.bounds.steps) {
        if (this.explored - this.boundedAt > BOUNDED_WINDOW_STEPS) return this.violation('livelock', `no end after ${this.bounds.steps} steps`, -1, '', 0);
        if (this.explored - this.preemptionBoundedAt <= BOUNDED_WINDOW_STEPS) return { kind: 'cut' };
        // Only interrupts past their bound were left out lately: confirmLivelock sees whether the run would end if they came.
        this.spinLivelock = 'endless-unless-interrupted';
        return this.violation('livelock', `no end after ${this.bounds.steps} steps, nor ${LIVELOCK_CONFIRM_STEPS} steps later under round-robin with interrupts arriving`, -1, '', 0);
      }
      if (point?.bounded === true) {
        if (!this.spin.anyWaiting || !this.onlyInterruptsLeftOut) return { kind: 'cut' };
        // Only interrupts were left out: whether one could end the spin is for confirmLivelock to find out.
        this.spinLivelock = 'unless-interrupted';
        return this.violation('livelock', `every CPU that could run spins on memory that neither another CPU nor an interrupt handler will write: ${describeSpinners(this.machine, this.spin)}`, -1, '', 0);
      }
      if (this.spin.anyWaiting) {
        this.spinLivelock = 'plain';
        return this.violation('livelock', `${SPIN_LIVELOCK}: ${describeSpinners(this.machine, this.spin)}`, -1, '', 0);
      }
      return { kind: 'pruned' };
    }
    const problem = this.runCheck();
    if (problem !== undefined) return this.violation('invariant', problem, -1, '', 0);
    return { kind: 'complete', signature: outcomeSignature(machine) };
  }

  /** Each CPU's step still pending (what it would do next), with its key and footprint. */
  pendingSteps(): PerformedStep[] {
    const pending: PerformedStep[] = [];
    const machine = this.machine;
    for (let cpu = 0; cpu < this.cpuCount; cpu++) {
      if (!machine.isActive(cpu)) continue;
      const step = machine.stepChoice(cpu);
      pending.push({ key: this.keyOf(step), footprint: pendingFootprint(machine, step) });
    }
    // Under 'tso' a store still buffered when the execution ended is a pending flush: it races with what read its cell.
    for (let cpu = 0; cpu < this.cpuCount; cpu++) {
      if (machine.bufferedStores(cpu) === 0) continue;
      const flush: Choice = { kind: 'flush', cpu };
      pending.push({ key: this.keyOf(flush), footprint: pendingFootprint(machine, flush) });
    }
    return pending;
  }

  /**
   * The pending steps again, each taken further through the steps its CPU would run next that
   * no other CPU can see (dispatching a queued task, preemption and interrupt toggles,
   * cpu_relax()) and up to the first one another CPU can: a race with what ran before may hide
   * behind them. A task that never got past being dispatched before a fault ended the run has
   * its first load here. This runs those steps, so it comes last: the execution is spent after.
   */
  lookahead(pending: readonly PerformedStep[]): PerformedStep[] {
    const machine = this.machine;
    if (machine.fault !== undefined) return [...pending];
    return pending.map((step) => {
      if (step.footprint.follows !== undefined) return step;
      let footprint = step.footprint;
      const cpu = footprint.cpu;
      for (let ahead = 0; ahead < LOOKAHEAD_STEPS && machine.isActive(cpu) && isLocal(machine.pendingOperation(cpu)); ahead++) {
        const before = machine.stepCount;
        machine.perform(machine.stepChoice(cpu));
        if (machine.fault !== undefined || machine.stepCount === before || !machine.isActive(cpu)) break;
        footprint = union(footprint, pendingFootprint(machine, machine.stepChoice(cpu)));
      }
      return { key: step.key, footprint };
    });
  }

  /** A livelock is confirmed before it is reported (see confirmLivelock); this runs steps, so it comes last. */
  confirmLivelock(outcome: Outcome): Outcome {
    const kind = this.spinLivelock;
    this.spinLivelock = 'none';
    return confirmLivelock(this.machine, this.spin, kind, outcome);
  }

  get preemptionCount(): number {
    return this.preemptions;
  }

  get irqCount(): number {
    return this.irqs;
  }

  /** A hash of what this driver keeps that decides the choices it offers: the last CPU, whether it switched or buffered, the spin watch (see state-search.ts). */
  ownStateHash(): number {
    return this.spin.hash(Math.imul(this.lastCpu + 2, 8) | (this.lastSwitched ? 1 : 0) | (this.lastBuffered ? 2 : 0));
  }

  get stepCount(): number {
    return this.explored;
  }

  private runCheck(): string | undefined {
    try {
      return this.check?.(this.machine);
    } catch (error) {
      return `the scenario's check threw: ${error instanceof Error ? error.message : String(error)}`;
    }
  }

  private violation(kind: Violation['kind'], message: string, cpu: number, comm: string, pid: number, schedule = this.machine.choiceString()): Outcome {
    return {
      kind: 'violation',
      violation: {
        kind,
        message,
        schedule,
        steps: this.explored,
        preemptions: this.preemptions,
        irqs: this.irqs,
        cpu,
        comm,
        pid,
        setupSteps: this.setupSteps,
      },
    };
  }

  private allowedChoices(): ChoicePoint {
    const enabled = this.machine.enabledChoices();
    const last = this.lastCpu;
    const lastContinues = last >= 0 && !this.lastSwitched && !this.spin.isWaiting(last) && this.machine.isActive(last);
    const points = this.points;
    points.begin();
    let bounded = false;
    let boundedPreemption = false;
    let detour = false;
    for (const choice of enabled) {
      if (choice.kind === 'step' && this.spin.isWaiting(choice.cpu)) continue;
      if (choice.kind === 'preempt' || choice.kind === 'ipi') detour = true;
      // A stale load costs one, as a preemption does: each is a way off the plain run that a bug may need, and the bound keeps them few.
      const cost = choice.kind === 'preempt' || choice.kind === 'stale' ? 1 : choice.kind === 'step' && lastContinues && (choice.cpu !== last || this.lastBuffered) ? 1 : 0;
      const irqCost = choice.kind === 'irq' ? 1 : 0;
      if (this.preemptions + cost > this.bounds.preemptions || this.irqs + irqCost > this.bounds.irqs) {
        bounded = true;
        if (choice.kind !== 'irq') boundedPreemption = true;
        continue;
      }
      if (choice.kind === 'irq') detour = true;
      points.add(choice, this.keyOf(choice), cost);
    }
    if (bounded) this.boundedAt = this.explored;
    if (boundedPreemption) this.preemptionBoundedAt = this.explored;
    this.onlyInterruptsLeftOut = bounded && !boundedPreemption;
    return points.point(bounded, !lastContinues, detour, this.machine.timerPending, boundedPreemption);
  }
}

const SPIN_LIVELOCK = 'every CPU that could run spins on memory no one will write';

/** How far `lookahead` follows a CPU through steps no other CPU can see. */
const LOOKAHEAD_STEPS = 8;
