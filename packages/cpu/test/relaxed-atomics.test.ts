import { describe, expect, test } from 'vitest';
import {
  atomicAdd, atomicInc, cmpxchg, load, smpMbBeforeAtomic, smpRmb, smpWmb, store, xchg, type RmwOrder,
} from '@kmodsim/cpu';
import { outcomes, type Program } from './memory-model-helpers.js';

// How the kernel's atomics order under the relaxed model (Documentation/atomic_t.txt): the
// value-returning ones, xchg() and a cmpxchg() that succeeds are fully ordered; atomic_inc(),
// atomic_dec() and the _relaxed forms order nothing; _acquire and _release order one side; a
// failed cmpxchg() orders nothing. Each case is message passing, its outcome exact (every order of
// steps, flushes and stale loads is tried): r0 is what the reader saw of the flag, r1 of the data.

/** The flag seen, the data missed. */
const FLAG_WITHOUT_DATA = '1,0';

/** P0 stores the data (x), then sets the flag (y) with an atomic of `order`; P1 reads the flag, smp_rmb(), the data. */
const flagByAtomic = (order: RmwOrder | 'inc' | 'mb-inc'): Program => ({ x, y, r0, r1 }) => [
  function* () {
    yield store(x, 1);
    if (order === 'mb-inc') yield smpMbBeforeAtomic();
    yield order === 'inc' || order === 'mb-inc' ? atomicInc(y) : atomicAdd(y, 1, order);
  },
  function* () {
    yield store(r0, yield load(y));
    yield smpRmb();
    yield store(r1, yield load(x));
  },
];

/** P0 stores the data, smp_wmb(), the flag; P1 reads the flag with `read` (an atomic), then the data with no other barrier. */
const flagReadByAtomic = (read: (y: number) => ReturnType<typeof xchg>): Program => ({ x, y, r0, r1 }) => [
  function* () {
    yield store(x, 1);
    yield smpWmb();
    yield store(y, 1);
  },
  function* () {
    yield store(r0, yield read(y));
    yield store(r1, yield load(x));
  },
];

describe('atomics under relaxed', () => {
  test.each([
    ['atomic_inc()', 'inc', true],
    ['atomic_add_return_relaxed()', 'relaxed', true],
    ['atomic_add_return_acquire()', 'acquire', true],
    ['atomic_add_return()', 'full', false],
    ['atomic_add_return_release()', 'release', false],
    ['smp_mb__before_atomic(); atomic_inc()', 'mb-inc', false],
  ] as const)('a flag set by %s: the reader can see it and miss the data: %s', (_name, order, reachable) => {
    expect(outcomes('relaxed', flagByAtomic(order)).has(FLAG_WITHOUT_DATA)).toBe(reachable);
  });

  test('an unordered atomic is still fully ordered under tso, as x86\'s lock prefix is', () => {
    expect(outcomes('tso', flagByAtomic('inc'))).not.toContain(FLAG_WITHOUT_DATA);
  });

  test.each([
    ['xchg()', (y: number) => xchg(y, 1), false],
    ['xchg_acquire()', (y: number) => xchg(y, 1, 'acquire'), false],
    ['xchg_relaxed()', (y: number) => xchg(y, 1, 'relaxed'), true],
    ['xchg_release()', (y: number) => xchg(y, 1, 'release'), true],
    // It fails whether the flag is set or not (the flag is never 5), so it orders nothing.
    ['a cmpxchg() that fails', (y: number) => cmpxchg(y, 5, 6), true],
    // It succeeds exactly when the flag is set, and then orders as smp_mb() on each side.
    ['a cmpxchg() that succeeds', (y: number) => cmpxchg(y, 1, 1), false],
  ] as const)('a flag read by %s: the reader can see it and miss the data: %s', (_name, read, reachable) => {
    expect(outcomes('relaxed', flagReadByAtomic(read)).has(FLAG_WITHOUT_DATA)).toBe(reachable);
  });
});
