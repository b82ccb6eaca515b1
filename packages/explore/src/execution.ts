import { formatChoice, type Choice, type FaultKind, type Machine, type ScenarioCheck } from '@kmodsim/cpu';
import { footprintOf, type Footprint } from './footprint.js';
import { SpinWatch } from './spin-watch.js';

/** Limits of one search. */
export interface Bounds {
  /** Context switches away from a CPU that could have gone on, plus task preemptions. */
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
  /** Cut short: every remaining choice was asleep (explored elsewhere) or over a bound. */
  | { readonly kind: 'pruned' };

/** One point of an execution where the search may choose. */
export interface ChoicePoint {
  readonly choices: readonly Choice[];
  readonly keys: readonly string[];
  /** The CPU that stepped last, and the bound counters so far. */
  readonly lastCpu: number;
  readonly preemptions: number;
  readonly irqs: number;
}

/**
 * Drives one execution choice by choice after setup. The caller decides at each point; this
 * class keeps the bound counters, the spin-waiting CPUs and the outcome.
 */
export class ExecutionDriver {
  private readonly spin: SpinWatch;
  private lastCpu = -1;
  private preemptions = 0;
  private irqs = 0;
  private explored = 0;
  private readonly stepKeys: string[] = [];
  readonly setupSteps: number;

  constructor(readonly machine: Machine, private readonly check: ScenarioCheck | undefined, private readonly bounds: Bounds) {
    this.spin = new SpinWatch(machine.cpuCount);
    this.setupSteps = machine.stepCount;
  }

  /**
   * Moves the machine on to its next choice point: lets idle time pass, and returns undefined
   * with `outcome` set once the execution is over.
   */
  nextPoint(): ChoicePoint | undefined {
    const machine = this.machine;
    while (machine.status === 'running' && machine.activeCpuCount === 0) machine.advanceIdle();
    if (machine.status !== 'running') return undefined;
    if (this.explored >= this.bounds.steps) return undefined;
    const choices = this.allowedChoices();
    return {
      choices,
      keys: choices.map((choice) => this.keyOf(choice)),
      lastCpu: this.lastCpu,
      preemptions: this.preemptions,
      irqs: this.irqs,
    };
  }

  /** Performs `choice` (one of the point's), updates the counters, and returns what it touched. */
  perform(point: ChoicePoint, index: number): Footprint {
    const choice = point.choices[index];
    if (choice === undefined) throw new RangeError(`choice ${index} is not at this point`);
    const footprint = footprintOf(this.machine, choice);
    const cost = this.cost(choice, point);
    this.preemptions += cost.preemptions;
    this.irqs += cost.irqs;
    const op = choice.kind === 'step' ? this.machine.pendingOperation(choice.cpu) : undefined;
    this.machine.perform(choice);
    this.spin.record(choice.cpu, choice.kind === 'step' ? 'step' : 'other', op, footprint);
    this.lastCpu = choice.cpu;
    this.explored++;
    return footprint;
  }

  /** Choice keys, with the common ones (a CPU's step) made once. */
  private keyOf(choice: Choice): string {
    if (choice.kind !== 'step') return formatChoice(choice);
    let key = this.stepKeys[choice.cpu];
    if (key === undefined) {
      key = formatChoice(choice);
      this.stepKeys[choice.cpu] = key;
    }
    return key;
  }

  /** How the execution ended; call once nextPoint() has returned undefined or a point with no choices. */
  outcome(pruned: boolean): Outcome {
    const machine = this.machine;
    if (machine.fault !== undefined) {
      const fault = machine.fault;
      return this.violation(fault.kind, fault.message, fault.cpu, fault.comm, fault.pid);
    }
    if (machine.status === 'running') {
      if (this.explored >= this.bounds.steps) return this.violation('livelock', `no end after ${this.bounds.steps} steps`, -1, '', 0);
      if (!pruned && this.spin.anyWaiting) return this.violation('livelock', 'every CPU that could run spins on memory no one will write', -1, '', 0);
      return { kind: 'pruned' };
    }
    const problem = this.runCheck();
    if (problem !== undefined) return this.violation('invariant', problem, -1, '', 0);
    return { kind: 'complete', signature: outcomeSignature(machine) };
  }

  get preemptionCount(): number {
    return this.preemptions;
  }

  private runCheck(): string | undefined {
    try {
      return this.check?.(this.machine);
    } catch (error) {
      return `the scenario's check threw: ${error instanceof Error ? error.message : String(error)}`;
    }
  }

  private violation(kind: Violation['kind'], message: string, cpu: number, comm: string, pid: number): Outcome {
    return {
      kind: 'violation',
      violation: {
        kind,
        message,
        schedule: this.machine.choiceString(),
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

  private allowedChoices(): Choice[] {
    const point = { lastCpu: this.lastCpu, preemptions: this.preemptions, irqs: this.irqs };
    const enabled = this.machine.enabledChoices();
    const lastCanStep = this.lastCpu >= 0 && !this.spin.isWaiting(this.lastCpu) && enabled.some((choice) => choice.kind === 'step' && choice.cpu === this.lastCpu);
    const stepEnabled = (cpu: number): boolean => cpu === this.lastCpu && lastCanStep;
    return enabled.filter((choice) => {
      if (choice.kind === 'step' && this.spin.isWaiting(choice.cpu)) return false;
      const cost = this.costOf(choice, point, stepEnabled);
      return point.preemptions + cost.preemptions <= this.bounds.preemptions && point.irqs + cost.irqs <= this.bounds.irqs;
    });
  }

  private cost(choice: Choice, point: ChoicePoint): { preemptions: number; irqs: number } {
    return this.costOf(choice, point, (cpu) => point.choices.some((other) => other.kind === 'step' && other.cpu === cpu));
  }

  /** A preemption is a switch away from a CPU that could have gone on, or a task preempted. */
  private costOf(choice: Choice, point: { lastCpu: number }, stepEnabled: (cpu: number) => boolean): { preemptions: number; irqs: number } {
    switch (choice.kind) {
      case 'irq':
        return { preemptions: 0, irqs: 1 };
      case 'preempt':
        return { preemptions: 1, irqs: 0 };
      case 'ipi':
        return { preemptions: 0, irqs: 0 };
      case 'step': {
        const switched = point.lastCpu >= 0 && choice.cpu !== point.lastCpu && stepEnabled(point.lastCpu);
        return { preemptions: switched ? 1 : 0, irqs: 0 };
      }
    }
  }
}

/** A short fingerprint of the final state: every allocated cell's value and every task's state. */
function outcomeSignature(machine: Machine): string {
  let hash = 0x811c9dc5;
  const mix = (value: number): void => {
    hash = Math.imul(hash ^ (value | 0), 0x01000193) >>> 0;
    hash = Math.imul(hash ^ Math.floor(value / 2 ** 32), 0x01000193) >>> 0;
  };
  for (let address = 0; address < machine.memory.size; address++) {
    if (machine.memory.objectIdAt(address) >= 0) mix(machine.read(address));
  }
  for (const task of machine.taskList()) mix(task.state === 'TASK_DEAD' ? 1 : 0);
  return hash.toString(16);
}
