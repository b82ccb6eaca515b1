import type { Choice } from '../choice.js';

// Every choice a machine can offer, one object each, made the first time it is offered and
// handed out again after. Choices are values nobody changes, and a model checker asks for the
// enabled ones at every step of every execution: a fresh object for each was garbage made at
// every step of the search.

export class ChoiceObjects {
  private readonly steps: Choice[];
  private readonly stales: Choice[];
  private readonly ipis: Choice[];
  private readonly flushes: Choice[];
  /** Per CPU, per target CPU; a CPU's row is made the first time its task may be preempted. */
  private readonly preempts: (Choice[] | undefined)[];
  /** Per CPU, per interrupt source (sources may be added as the machine is set up). */
  private readonly irqs: Choice[][];

  constructor(private readonly cpuCount: number) {
    this.steps = Array.from({ length: cpuCount }, (_, cpu): Choice => ({ kind: 'step', cpu }));
    this.stales = Array.from({ length: cpuCount }, (_, cpu): Choice => ({ kind: 'stale', cpu }));
    this.ipis = Array.from({ length: cpuCount }, (_, cpu): Choice => ({ kind: 'ipi', cpu }));
    this.flushes = Array.from({ length: cpuCount }, (_, cpu): Choice => ({ kind: 'flush', cpu }));
    this.preempts = new Array<Choice[] | undefined>(cpuCount).fill(undefined);
    this.irqs = Array.from({ length: cpuCount }, () => []);
  }

  step(cpu: number): Choice {
    const choice = this.steps[cpu];
    if (choice === undefined) throw new RangeError(`no CPU ${cpu}`);
    return choice;
  }

  stale(cpu: number): Choice {
    return this.stales[cpu] ?? { kind: 'stale', cpu };
  }

  ipi(cpu: number): Choice {
    return this.ipis[cpu] ?? { kind: 'ipi', cpu };
  }

  flush(cpu: number): Choice {
    return this.flushes[cpu] ?? { kind: 'flush', cpu };
  }

  preempt(cpu: number, target: number): Choice {
    let row = this.preempts[cpu];
    if (row === undefined) {
      row = Array.from({ length: this.cpuCount }, (_, to): Choice => ({ kind: 'preempt', cpu, target: to }));
      this.preempts[cpu] = row;
    }
    return row[target] ?? { kind: 'preempt', cpu, target };
  }

  irq(cpu: number, source: number): Choice {
    const row = this.irqs[cpu];
    if (row === undefined) return { kind: 'irq', cpu, source };
    let choice = row[source];
    if (choice === undefined) {
      choice = { kind: 'irq', cpu, source };
      row[source] = choice;
    }
    return choice;
  }
}
