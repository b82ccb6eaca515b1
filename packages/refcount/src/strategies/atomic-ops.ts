import { cmpxchg, load, type KernelCode } from '@kmodsim/cpu';

// The conditional atomics of include/linux/atomic, built as the generic versions are: read,
// decide, cmpxchg, and retry if another CPU changed the value in between.

/** atomic_inc_not_zero(): resumes with true if it incremented. */
export function* atomicIncNotZero(cell: number): KernelCode<boolean> {
  return yield* atomicAddUnless(cell, 1, 0);
}

/** atomic_add_unless(v, a, u): adds `delta` unless the value is `unless`; resumes with true if it added. */
export function* atomicAddUnless(cell: number, delta: number, unless: number): KernelCode<boolean> {
  let seen = yield load(cell);
  while (seen !== unless) {
    const before = yield cmpxchg(cell, seen, seen + delta);
    if (before === seen) return true;
    seen = before;
  }
  return false;
}

/** atomic_dec_if_positive(): decrements unless that would go below zero; resumes with the old value minus 1 either way. */
export function* atomicDecIfPositive(cell: number): KernelCode<number> {
  let seen = yield load(cell);
  while (seen - 1 >= 0) {
    const before = yield cmpxchg(cell, seen, seen - 1);
    if (before === seen) break;
    seen = before;
  }
  return seen - 1;
}
