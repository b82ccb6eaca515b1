import { atomicAdd, cpuRelax, load, loadAcquire, localIrqRestore, localIrqSave, preemptDisable, preemptEnable, storeRelease, type KernelCode } from '../ops.js';

// A ticket spinlock built from the machine's atomics, so its cost and its contention come out of
// the cache model: taking a ticket is a locked add on the lock's line, and waiters spin reading
// the owner field until their number comes up, as Linux's ticket locks did before qspinlock.

export interface Spinlock {
  readonly name: string;
  /** Cell holding the next ticket to hand out. */
  readonly next: number;
  /** Cell holding the ticket now served; on the same line as `next`. */
  readonly owner: number;
}

/** A lock over two cells of one allocation: `base` and `base + 1`. */
export function spinlockAt(name: string, base: number): Spinlock {
  return { name, next: base, owner: base + 1 };
}

/** The names of a spinlock's two cells, for `alloc`'s `fields`: traces then say `lock.owner`, not `lock[1]`. */
export function spinlockFields(name: string): string[] {
  return [`${name}.next`, `${name}.owner`];
}

export function* spinLock(lock: Spinlock): KernelCode<void> {
  yield preemptDisable();
  yield* acquire(lock);
}

export function* spinUnlock(lock: Spinlock): KernelCode<void> {
  yield* release(lock);
  yield preemptEnable();
}

/** spin_lock_irqsave: resumes with the flags to hand back to spinUnlockIrqrestore. */
export function* spinLockIrqsave(lock: Spinlock): KernelCode<number> {
  const flags = yield localIrqSave();
  yield preemptDisable();
  yield* acquire(lock);
  return flags;
}

export function* spinUnlockIrqrestore(lock: Spinlock, flags: number): KernelCode<void> {
  yield* release(lock);
  yield localIrqRestore(flags);
  yield preemptEnable();
}

// Ordering as Linux's ticket locks: the wait for one's turn is an acquire (x86's loads acquire;
// arm64's ticket lock used ldaxr), and the release a store-release (smp_store_release() of the
// served ticket). Under 'relaxed' the next holder then sees what the last one wrote.
function* acquire(lock: Spinlock): KernelCode<void> {
  const ticket = (yield atomicAdd(lock.next, 1)) - 1;
  while ((yield loadAcquire(lock.owner)) !== ticket) yield cpuRelax();
}

function* release(lock: Spinlock): KernelCode<void> {
  const served = yield load(lock.owner);
  yield storeRelease(lock.owner, served + 1);
}
