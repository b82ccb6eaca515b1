import { describe, expect, test } from 'vitest';
import { createMachine, createPrng, formatChoice, MemoryTraceSink, type Machine, type ScenarioCheck } from '@kmodsim/cpu';
import { strategies } from '@kmodsim/refcount';
import { scenarioMismatch, suite } from '../src/index.js';

// The explorer starts every execution by rewinding the scenario's machine to a snapshot taken
// after setup. That is right only if everything the kernel keeps outside simulated memory (the
// module core's bookkeeping, stop_machine's call, RCU's callbacks, what the scenario's tasks
// record for its check) comes back with it. For every built-in strategy and every suite
// scenario: a run; then, again and again, a rewind, a run cut short at some point, a rewind and
// the first run's choices, which must give the first run exactly: the same trace, memory, tasks
// and final check.

const pairs = Object.values(strategies).flatMap((strategy) => suite.filter((scenario) => scenarioMismatch(scenario, strategy) === undefined).map((scenario) => [strategy.name, scenario.name, strategy, scenario] as const));

interface SetUp {
  readonly machine: Machine;
  readonly sink: MemoryTraceSink;
  readonly check: ScenarioCheck | undefined;
}

/** Runs the machine on under choices a generator seeded with `seed` picks, as the search would, and says what a user could see. */
function runAndObserve({ machine, sink, check }: SetUp, seed: number, maxChoices = 5000): Record<string, unknown> {
  const tracedBefore = sink.events.length;
  const prng = createPrng(seed);
  for (let made = 0; made < maxChoices && machine.status === 'running'; made++) {
    if (machine.activeCpuCount === 0) {
      machine.advanceIdle();
      continue;
    }
    const choices = machine.enabledChoices();
    const choice = choices[prng.below(choices.length)];
    if (choice === undefined) break;
    machine.perform(choice);
  }
  return {
    status: machine.status,
    fault: machine.fault?.message,
    oopses: machine.oopses.map((oops) => oops.message),
    choices: machine.choiceString(),
    cycles: machine.elapsedCycles,
    tasks: machine.taskList(),
    cells: Array.from({ length: machine.memory.size }, (_, address) => machine.read(address)),
    live: machine.liveObjects().map((object) => object.name),
    enabled: machine.enabledChoices().map(formatChoice),
    check: machine.status === 'finished' ? check?.(machine) : 'not finished',
    trace: sink.events.slice(tracedBefore),
  };
}

/** The names of what differs (a failure then says where, without diffing whole traces). */
function differences(now: Record<string, unknown>, before: Record<string, unknown>): string[] {
  return Object.keys(before).filter((key) => JSON.stringify(now[key]) !== JSON.stringify(before[key]));
}

describe('a suite scenario\'s machine rewound to its checkpoint goes on as it did the first time', () => {
  test.each(pairs)('%s on %s', (_strategyName, _scenarioName, strategy, scenario) => {
    const sink = new MemoryTraceSink();
    const created = createMachine({ cpuCount: scenario.cpuCount, profile: 'generic', schedule: 'kms1:rr', snapshots: true, trace: sink });
    if (!created.ok) return expect.fail(created.message);
    const machine = created.value;
    const check = scenario.build(strategy).setup(machine);
    machine.setFaultPolicy('oops');
    const snapshot = machine.snapshot();
    if (!snapshot.ok) return expect.fail(snapshot.message);
    const setUp = { machine, sink, check };
    const first = runAndObserve(setUp, 1);
    // Runs cut short leave work in flight (a stop_machine call, queued RCU callbacks, a module
    // half loaded): the rewind must clear that too.
    for (const cutAt of [15, 60, 250, 5000]) {
      for (const seed of [cutAt, 1]) {
        const rewound = machine.rewind(snapshot.value);
        if (!rewound.ok) return expect.fail(rewound.message);
        if (seed === 1) expect(differences(runAndObserve(setUp, 1), first), `after a run cut at ${cutAt} choices`).toEqual([]);
        else runAndObserve(setUp, seed, cutAt);
      }
    }
  });
});
