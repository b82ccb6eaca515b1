import { describe, expect, test } from 'vitest';
import { globalSpinlock, percpuStopMachine } from '@kmodsim/refcount';
import { getPutCost, unloadCost } from '../bench/refcount-costs.js';

// The benchmarks' claims, checked in simulated cycles (exact and deterministic, so no timing is
// involved): the seed's get and put cost the same on any number of CPUs, and its unload stops
// every other CPU for a while that the trace shows.

describe('what the refcount benchmarks measure', () => {
  test('under the seed\'s design a get+put costs the same at 1024 CPUs as at 1; under one spinlock it does not', () => {
    const alone = getPutCost(percpuStopMachine, 1);
    const crowd = getPutCost(percpuStopMachine, 1024);
    expect(crowd.steadyCycles).toBeLessThanOrEqual(alone.steadyCycles * 1.1);
    // The first pair on each CPU fetches the module's lines, all CPUs at once.
    expect(crowd.firstPairCycles).toBeGreaterThan(crowd.steadyCycles);
    expect(getPutCost(globalSpinlock, 16).steadyCycles).toBeGreaterThan(getPutCost(globalSpinlock, 1).steadyCycles * 10);
  });

  test('an unload under the seed\'s design stops the other CPUs, longer on a bigger machine; the spinlock\'s stops none', () => {
    const one = unloadCost(percpuStopMachine, 1);
    expect(one.othersStoppedMax).toBe(0);
    const small = unloadCost(percpuStopMachine, 4);
    const large = unloadCost(percpuStopMachine, 64);
    expect(small.othersStoppedMean).toBeGreaterThan(0);
    expect(small.othersIrqsOffMax).toBeGreaterThan(0);
    expect(small.othersIrqsOffMax).toBeLessThan(small.othersStoppedMax);
    expect(large.othersStoppedMean).toBeGreaterThan(small.othersStoppedMean);
    expect(large.cycles).toBeGreaterThan(small.cycles);
    expect(unloadCost(globalSpinlock, 4)).toMatchObject({ othersStoppedMax: 0, othersIrqsOffMax: 0 });
  });
});
