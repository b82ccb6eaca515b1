import { cmpxchg, load, type KernelCode } from '@kmodsim/cpu';

// The conditional atomics of include/linux/atomic, built as the generic versions are: read,
// decide, cmpxchg, and retry if another CPU changed the value in between. Ordering as Linux's
// (Documentation/atomic_t.txt): fully ordered when they change the value, unordered when they
// refuse (a failed cmpxchg orders nothing). The machine's cmpxchg orders just so under the
// relaxed model; under tso it is locked either way, as on x86, so a refusal is ordered too.

/** atomic_inc_not_zero(): resumes with true if it incremented. */
export function* atomicIncNotZero(cell: number): KernelCode<boolean> {
  return yield* atomicAddUnless(cell, 1, 0);
}

/** atomic_add_unless(v, a, u): adds `delta` unless the value is `unless`; resumes with true if it added. */
export function* atomicAddUnless(cell: number, delta: number, unless: number): KernelCode<boolean> {
  return (yield* atomicAddIf(cell, delta, (value) => value !== unless)).added;
}

/**
 * Adds `delta` if the value allows it, as one atomic step: resumes with whether it added and the
 * value it decided on (the one it changed, or the one that forbade it).
 */
export function* atomicAddIf(cell: number, delta: number, allows: (value: number) => boolean): KernelCode<{ added: boolean; value: number }> {
  let seen = yield load(cell);
  while (allows(seen)) {
    const before = yield cmpxchg(cell, seen, seen + delta);
    if (before === seen) return { added: true, value: seen };
    seen = before;
  }
  return { added: false, value: seen };
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
