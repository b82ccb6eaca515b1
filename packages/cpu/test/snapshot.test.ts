import { describe, expect, test } from 'vitest';
import { createPrng, RandomScheduler, type Machine } from '@kmodsim/cpu';
import { programScenario, randomPlan } from './random-programs.js';
import { observed, restored, runInStep, snapshotOf, stepRandomly, SwitchableScheduler, tracedMachine, type Traced } from './snapshot-helpers.js';

// A restored machine is the machine its snapshot was taken from: every run after it, under the
// same choices, gives the same trace, the same result and the same state. Checked on random
// kernel programs (test/random-programs.ts) snapshotted at a random point of a random run. A
// failure names the seed: randomPlan(seed) rebuilds the program.

const SEEDS = Array.from({ length: 60 }, (_, index) => index + 1);

/**
 * A program set up and run to a random quiet point under random choices; undefined when its run
 * ended first. Its scheduler makes no choice until the test gives it one to run on with.
 */
function programAtQuietPoint(seed: number): { original: Traced; scheduler: SwitchableScheduler } | undefined {
  const plan = randomPlan(seed);
  const scheduler = new SwitchableScheduler();
  const original = tracedMachine(plan.cpuCount, programScenario(plan), scheduler);
  original.machine.setFaultPolicy('oops');
  const prng = createPrng(seed * 7919);
  for (let made = prng.below(40); made > 0 && stepRandomly(original.machine, prng); made--);
  // Interrupt handlers and IPIs are not kept: go on until none runs or waits.
  while (original.machine.status === 'running' && !original.machine.snapshot().ok) stepRandomly(original.machine, prng);
  if (original.machine.status !== 'running') return undefined;
  original.tracedBefore = original.sink.events.length;
  return { original, scheduler };
}

describe('a restored machine goes on exactly as the machine its snapshot was taken from', () => {
  test.each(SEEDS)('random program %i, driven choice by choice', (seed) => {
    const start = programAtQuietPoint(seed);
    if (start === undefined) return;
    const copy = restored(snapshotOf(start.original.machine));
    runInStep(start.original.machine, copy.machine, seed);
    expect(observed(copy), `seed ${seed}`).toEqual(observed(start.original));
  });

  test('most programs are snapshotted in mid-run, with tasks still to run', () => {
    const midRun = SEEDS.filter((seed) => programAtQuietPoint(seed) !== undefined);
    expect(midRun.length).toBeGreaterThan(SEEDS.length / 2);
  });

  test.each(SEEDS.slice(0, 30))('random program %i, run on by a random scheduler', (seed) => {
    const start = programAtQuietPoint(seed);
    if (start === undefined) return;
    const snapshot = snapshotOf(start.original.machine);
    const options = { seed, irqProbability: 0.2, preemptProbability: 0.1 };
    start.scheduler.inner = new RandomScheduler(options);
    const copy = restored(snapshot, { schedule: new RandomScheduler(options) });
    const result = start.original.machine.run();
    const copied = copy.machine.run();
    expect(withoutTraces(copied)).toEqual(withoutTraces(result));
    expect(observed(copy), `seed ${seed}`).toEqual(observed(start.original));
  });

  test('one snapshot restores any number of times, each copy on its own', () => {
    const start = programAtQuietPoint(3);
    if (start === undefined) return expect.fail('program 3 ended before its snapshot');
    const snapshot = snapshotOf(start.original.machine);
    const first = restored(snapshot);
    runInStep(start.original.machine, first.machine, 11);
    const second = restored(snapshot);
    const again = restored(snapshotOf(restored(snapshot).machine));
    runInStep(second.machine, again.machine, 11);
    expect(observed(second)).toEqual(observed(first));
    expect(observed(again)).toEqual(observed(first));
  });
});

/** The result with its fault's trace left out: the copy's trace starts at the snapshot. */
function withoutTraces(result: ReturnType<Machine['run']>): unknown {
  if (result.ok) return result;
  const { trace: _trace, ...fault } = result.fault;
  return { ...result, fault };
}
