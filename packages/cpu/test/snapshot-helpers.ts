import { expect } from 'vitest';
import {
  createPrng, formatChoice, Machine, MemoryTraceSink,
  type BodyRegistry, type Choice, type Fault, type MachineSnapshot, type Prng, type RestoreOptions, type Scenario, type Scheduler, type SchedulerView,
} from '@kmodsim/cpu';
import { machineOf } from './helpers.js';

// Helpers for the snapshot tests: a machine driven choice by choice as the explorer drives it,
// with a trace kept, and what a user could observe of it, to compare a restored machine with the
// one its snapshot was taken from.

/** A machine with its own trace, and how many events it had traced when its snapshot was taken. */
export interface Traced {
  readonly machine: Machine;
  readonly sink: MemoryTraceSink;
  tracedBefore: number;
}

export function tracedMachine(cpuCount: number, scenario?: Scenario, schedule?: Scheduler): Traced {
  const sink = new MemoryTraceSink();
  const machine = machineOf({ cpuCount, trace: sink, snapshots: true, ...(schedule === undefined ? {} : { schedule }) });
  scenario?.setup(machine);
  return { machine, sink, tracedBefore: 0 };
}

/** The snapshot, or the test fails with the refusal's message. */
export function snapshotOf(machine: Machine): MachineSnapshot {
  const taken = machine.snapshot();
  if (!taken.ok) expect.fail(taken.message);
  return taken.value;
}

export function restored(snapshot: MachineSnapshot, options: RestoreOptions = {}): Traced {
  const sink = new MemoryTraceSink();
  const made = Machine.restore(snapshot, { ...options, trace: sink });
  if (!made.ok) expect.fail(made.message);
  return { machine: made.value, sink, tracedBefore: 0 };
}

/** One choice as the explorer makes them: any enabled one, picked by `prng`; time passes when no CPU can step. */
export function stepRandomly(machine: Machine, prng: Prng): boolean {
  if (machine.status !== 'running') return false;
  if (machine.activeCpuCount === 0) {
    machine.advanceIdle();
    return true;
  }
  const choices = machine.enabledChoices();
  const choice = choices[prng.below(choices.length)];
  if (choice === undefined) return false;
  machine.perform(choice);
  return true;
}

/**
 * Takes `original` and `copy` on together, the same choice for both at every point (picked by a
 * generator seeded with `seed`), checking at each that both offer the same choices.
 */
export function runInStep(original: Machine, copy: Machine, seed: number, maxChoices = 3000): void {
  const prng = createPrng(seed);
  for (let made = 0; made < maxChoices && original.status === 'running'; made++) {
    expect(copy.status).toBe(original.status);
    if (original.activeCpuCount === 0) {
      original.advanceIdle();
      copy.advanceIdle();
      continue;
    }
    const choices = original.enabledChoices();
    expect(copy.enabledChoices().map(formatChoice)).toEqual(choices.map(formatChoice));
    const choice = choices[prng.below(choices.length)];
    if (choice === undefined) break;
    original.perform(choice);
    copy.perform(choice);
  }
}

/** Everything a user could look at: state, results, memory, tasks, and the trace since the snapshot. */
export function observed(traced: Traced): unknown {
  const { machine } = traced;
  const cells = Array.from({ length: machine.memory.size }, (_, address) => machine.read(address));
  return {
    status: machine.status,
    fault: withoutTrace(machine.fault),
    oopses: machine.oopses.map(withoutTrace),
    steps: machine.stepCount,
    cycles: machine.elapsedCycles,
    clocks: Array.from({ length: machine.cpuCount }, (_, cpu) => machine.clockOf(cpu)),
    choices: machine.choiceString(),
    tasks: machine.taskList(),
    cells,
    live: machine.liveObjects(),
    enabled: machine.enabledChoices().map(formatChoice),
    trace: traced.sink.events.slice(traced.tracedBefore),
  };
}

function withoutTrace(fault: Fault | undefined): unknown {
  if (fault === undefined) return undefined;
  const { trace: _trace, ...rest } = fault;
  return rest;
}

/** Bodies by name from a machine set up afresh, as another process would find them: by setting the scenario up again. */
export function bodiesOf(scenario: Scenario, cpuCount: number): BodyRegistry {
  const fresh = machineOf({ cpuCount, snapshots: true });
  scenario.setup(fresh);
  const snapshot = snapshotOf(fresh);
  const entries: [string, BodyRegistry[string]][] = [];
  for (const task of snapshot.tasks) if (task.spec.bodyRef !== undefined) entries.push([task.spec.bodyRef.name, () => task.spec.body]);
  for (const { spec } of snapshot.interrupts.sources) if (spec.handlerRef !== undefined) entries.push([spec.handlerRef.name, () => spec.handler]);
  return Object.fromEntries(entries);
}

/** Makes no choice until it is given a scheduler to hand them to (an original machine's scheduler is fixed when it is made). */
export class SwitchableScheduler implements Scheduler {
  constructor(public inner?: Scheduler) {}

  get schedule(): string {
    return this.inner?.schedule ?? 'kms1:rr';
  }

  choose(view: SchedulerView): Choice {
    if (this.inner === undefined) throw new Error('no scheduler yet');
    return this.inner.choose(view);
  }
}
