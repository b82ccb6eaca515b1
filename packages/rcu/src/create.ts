import {
  alloc, free, store, waitEvent, wakeUpProcess,
  type ExecutionContext, type KernelCode, type Machine,
} from '@kmodsim/cpu';
import { definePerCpu } from '@kmodsim/percpu';
import { ExpeditedGracePeriods } from './expedited.js';
import { GracePeriods } from './grace-period.js';
import { RCU_DATA_CELLS, ReadSide } from './read-side.js';
import { mightSleepOutsideReader } from './checks.js';
import type { Rcu, RcuCallback } from './rcu.js';

/** Sets RCU up on a machine before it runs: its per-CPU data and its kthreads (which sleep until needed). */
export function createRcu(machine: Machine): Rcu {
  const data = definePerCpu(machine, 'rcu_data', { cellsPerCpu: RCU_DATA_CELLS });
  const normal = new GracePeriods(machine);
  const expedited = new ExpeditedGracePeriods(machine, data);
  const readSide = new ReadSide(data);
  const depthOn = (cpu: number): number => readSide.depthNow((address) => machine.read(address), cpu);

  /** Queues a callback that wakes the caller, and sleeps until it has run (struct rcu_synchronize). */
  function* waitForCallback(self: ExecutionContext): KernelCode<void> {
    const done = yield alloc('rcu_synchronize', 1);
    yield* normal.enqueue(function* () {
      yield store(done, 1);
      yield wakeUpProcess(self.pid);
    });
    yield* waitEvent(done, (value) => value === 1);
    yield free(done);
  }

  return {
    readLock: (self) => readSide.lock(self),
    readUnlock: (self) => readSide.unlock(self),
    *synchronize(self) {
      yield* mightSleepOutsideReader(self, 'synchronize_rcu', depthOn(self.cpu));
      yield* waitForCallback(self);
    },
    *synchronizeExpedited(self) {
      yield* mightSleepOutsideReader(self, 'synchronize_rcu_expedited', depthOn(self.cpu));
      yield* expedited.synchronize(self);
    },
    call: (_self: ExecutionContext, callback: RcuCallback) => normal.enqueue(callback),
    *barrier(self) {
      yield* mightSleepOutsideReader(self, 'rcu_barrier', depthOn(self.cpu));
      yield* waitForCallback(self);
    },
    get completed() {
      return { normal: normal.completed, expedited: expedited.completed };
    },
  };
}
