import { describe, expect, test } from 'vitest';
import { atomicBias, globalAtomic, globalSpinlock, percpuStopMachine, type RefcountStrategy } from '@kmodsim/refcount';
import { getPutCost, refcountMemory, unloadCost, waitReleaseCost, type CostResult } from '../src/index.js';

/** The figure of a run that must succeed. */
function figure<T>(result: CostResult<T>): T {
  if (!result.ok) expect.fail(result.message);
  return result.value;
}

const on = (cpuCount: number) => ({ cpuCount, profile: 'generic' });

// The claims of the benchmarks (and of kmodsim-compare cost), made by the library they share, checked in simulated cycles (exact and deterministic, so no timing is
// involved): the seed's get and put cost the same on any number of CPUs, and its unload stops
// every other CPU for a while.

describe('pricing a refcount design on the simulated machine', () => {
  test('under the seed\'s design a get+put costs the same at 1024 CPUs as at 1; under one spinlock it does not', () => {
    const alone = figure(getPutCost(percpuStopMachine, on(1)));
    const crowd = figure(getPutCost(percpuStopMachine, on(1024)));
    expect(crowd.steadyCycles).toBeLessThanOrEqual(alone.steadyCycles * 1.1);
    // The first pair on each CPU fetches the module's lines, all CPUs at once.
    expect(crowd.firstPairCycles).toBeGreaterThan(crowd.steadyCycles);
    expect(figure(getPutCost(globalSpinlock, on(16))).steadyCycles).toBeGreaterThan(figure(getPutCost(globalSpinlock, on(1))).steadyCycles * 10);
  });

  test('an unload under the seed\'s design stops the other CPUs, longer on a bigger machine; the spinlock\'s stops none', () => {
    const one = figure(unloadCost(percpuStopMachine, on(1)));
    expect(one.othersStoppedMax).toBe(0);
    const small = figure(unloadCost(percpuStopMachine, on(4)));
    const large = figure(unloadCost(percpuStopMachine, on(64)));
    expect(small.othersStoppedMean).toBeGreaterThan(0);
    expect(small.othersIrqsOffMax).toBeGreaterThan(0);
    expect(small.othersIrqsOffMax).toBeLessThan(small.othersStoppedMax);
    expect(large.othersStoppedMean).toBeGreaterThan(small.othersStoppedMean);
    expect(large.cycles).toBeGreaterThan(small.cycles);
    expect(figure(unloadCost(globalSpinlock, on(4)))).toMatchObject({ othersStoppedMax: 0, othersIrqsOffMax: 0 });
  });

  test('a shared counter spends its time moving the line between CPUs; the seed\'s keeps each CPU on its own', () => {
    expect(figure(getPutCost(globalAtomic, on(16))).coherenceShare).toBeGreaterThan(0.5);
    expect(figure(getPutCost(percpuStopMachine, on(16))).coherenceShare).toBe(0);
    // One CPU alone has no one to share a line with.
    expect(figure(getPutCost(globalAtomic, on(1))).coherenceShare).toBe(0);
  });

  test('memory is the strategy\'s own allocations: a cache line per CPU per module for the seed, one line for a global count', () => {
    expect(figure(refcountMemory(percpuStopMachine, on(4))).bytesPerModule).toBe(4 * 64);
    expect(figure(refcountMemory(percpuStopMachine, on(64))).bytesPerModule).toBe(64 * 64);
    expect(figure(refcountMemory(globalSpinlock, on(64))).bytesPerModule).toBe(64);
  });

  test('rmmod --wait frees the module after the last of its users lets go, or is refused by a design that never waits', () => {
    const waited = figure(waitReleaseCost(percpuStopMachine, on(4)));
    expect(waited.waited && waited.releaseCycles > 0).toBe(true);
    expect(figure(waitReleaseCost(atomicBias, on(4)))).toMatchObject({ waited: false, refusal: expect.stringContaining('EWOULDBLOCK') as unknown });
  });

  test('a strategy whose code throws gives a failure naming it, not an exception', () => {
    const throwing: RefcountStrategy = {
      ...percpuStopMachine,
      name: 'throws-on-get',
      attach: (environment) => {
        const runtime = percpuStopMachine.attach(environment);
        return {
          *createModule(self, cells) {
            const count = yield* runtime.createModule(self, cells);
            // Every member as the seed's, but its try_module_get throws.
            return Object.assign(Object.create(count) as typeof count, { tryGet: () => { throw new Error('no references today'); } });
          },
        };
      },
    };
    const result = getPutCost(throwing, on(2));
    expect(result).toMatchObject({ ok: false, errno: 'EFAULT' });
    expect(result.ok ? '' : result.message).toMatch(/^throws-on-get at 2 CPUs, get\+put on 2 of 2 CPUs: exception: .*no references today/);
  });
});
