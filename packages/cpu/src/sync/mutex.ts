import type { Machine } from '../machine.js';
import { cmpxchg, schedule, setCurrentState, wakeUpProcess, xchg, type ExecutionContext, type KernelCode } from '../ops.js';
import { mightSleep } from './might-sleep.js';
import { spinLock, spinlockAt, spinUnlock, type Spinlock } from './spinlock.js';

// A sleeping lock (struct mutex): an owner word taken with cmpxchg, and a FIFO of sleepers kept
// under a spinlock. The list itself lives on the host, but it is only ever touched while the
// simulated wait_lock is held, so every interleaving that matters is still a machine step. The
// machine keeps the list (keepHostState): a run stopped while a task waited, then rewound to a
// snapshot, must not leave that task on the list, where the next unlock would wake it instead
// of the real sleeper behind it.
// A sleeper queues itself and sets TASK_UNINTERRUPTIBLE before re-trying the owner word under
// wait_lock, so an unlock that races with it always finds it on the list: no lost wakeup.

export interface Mutex {
  readonly name: string;
  /** Pid of the holder, 0 when free. */
  readonly owner: number;
  readonly waitLock: Spinlock;
  readonly waiters: number[];
}

/** A mutex over three cells of one allocation: the owner word at `base`, wait_lock after it; `machine` keeps its wait list. */
export function mutexAt(machine: Machine, name: string, base: number): Mutex {
  // Code written for the old signature, mutexAt(name, base), from plain JavaScript.
  if (typeof (machine as unknown) === 'string') throw new TypeError(`mutexAt(${JSON.stringify(machine)}, ...): the machine comes first now, mutexAt(machine, name, base), so that it keeps the mutex's wait list`);
  const waiters: number[] = [];
  machine.keepHostState<readonly number[]>({
    name: `${name}.wait_list`,
    save: () => [...waiters],
    load: (saved) => {
      waiters.length = 0;
      waiters.push(...saved);
    },
    encode: (saved) => [...saved],
    decode: (data) => {
      if (!Array.isArray(data) || !data.every((pid) => Number.isSafeInteger(pid) && (pid as number) > 0)) throw new Error(`${name}.wait_list: not a list of pids`);
      return data as number[];
    },
  });
  return { name, owner: base, waitLock: spinlockAt(`${name}.wait_lock`, base + 1), waiters };
}

export const MUTEX_CELLS = 3;

/** The names of a mutex's cells, for `alloc`'s `fields`: the owner word, then its wait_lock's two. */
export function mutexFields(name: string): string[] {
  return [`${name}.owner`, `${name}.wait_lock.next`, `${name}.wait_lock.owner`];
}

export function* mutexLock(mutex: Mutex, self: ExecutionContext): KernelCode<void> {
  // mutex_lock() begins with might_sleep(): taking one in an interrupt handler or with preemption off is a bug even when it is free.
  yield* mightSleep(self, 'kernel/locking/mutex.c (mutex_lock)');
  while (true) {
    if ((yield cmpxchg(mutex.owner, 0, self.pid)) === 0) return;
    yield* spinLock(mutex.waitLock);
    if (!mutex.waiters.includes(self.pid)) mutex.waiters.push(self.pid);
    yield setCurrentState('TASK_UNINTERRUPTIBLE');
    if ((yield cmpxchg(mutex.owner, 0, self.pid)) === 0) {
      removeWaiter(mutex, self.pid);
      yield setCurrentState('TASK_RUNNING');
      yield* spinUnlock(mutex.waitLock);
      return;
    }
    yield* spinUnlock(mutex.waitLock);
    yield schedule();
  }
}

/** mutex_trylock: resumes with true when the lock was taken. */
export function* mutexTrylock(mutex: Mutex, self: ExecutionContext): KernelCode<boolean> {
  return (yield cmpxchg(mutex.owner, 0, self.pid)) === 0;
}

export function* mutexUnlock(mutex: Mutex, self: ExecutionContext): KernelCode<void> {
  const previous = yield xchg(mutex.owner, 0);
  if (previous !== self.pid) throw new Error(`${self.comm}-${self.pid} unlocked ${mutex.name}, held by pid ${previous}`);
  yield* spinLock(mutex.waitLock);
  const next = mutex.waiters.shift();
  yield* spinUnlock(mutex.waitLock);
  if (next !== undefined) yield wakeUpProcess(next);
}

function removeWaiter(mutex: Mutex, pid: number): void {
  const index = mutex.waiters.indexOf(pid);
  if (index >= 0) mutex.waiters.splice(index, 1);
}
