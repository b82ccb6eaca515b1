import { cpuRelax, ok, schedule, type KernelCode, type Machine } from '@kmodsim/cpu';
import type { RefcountStrategy } from '@kmodsim/refcount';
import { attempt, bootCostMachine, COST_MODULE, runToEnd, type CostMachineOptions, type CostResult } from './cost-machine.js';

// `rmmod --wait` on a module in use: the seed's kernel marks it GOING, sleeps, and frees it when
// the last user lets go. What a user waits for after that last module_put is the design's to
// pay: a per-CPU count must be summed over every CPU again, and its free waits out in-flight
// puts with one more stop_machine.

/** Users holding the module when rmmod --wait starts; they release one at a time. */
export const WAIT_RELEASE_USERS = 4;

export type WaitReleaseCost =
  /** rmmod --wait slept and freed the module after the last put: cycles from that put's call to rmmod's return. */
  | { readonly waited: true; readonly releaseCycles: number }
  /** The design refused to wait (today's Linux answers EWOULDBLOCK): nothing to time. */
  | { readonly waited: false; readonly refusal: string };

/**
 * WAIT_RELEASE_USERS users take references (on CPUs 1 and up, or CPU 0 on a one-CPU machine),
 * rmmod --wait starts on CPU 0, and each user in turn drops its reference once the unloader is
 * asleep. Who waits for whom is told by the host, not through simulated memory, so the waiting
 * moves no cache line and changes no figure.
 */
export function waitReleaseCost(strategy: RefcountStrategy, options: CostMachineOptions): CostResult<WaitReleaseCost> {
  const booted = bootCostMachine(strategy, options);
  if (!booted.ok) return booted;
  const { machine, core, module } = booted.value;
  const what = `rmmod --wait with ${WAIT_RELEASE_USERS} users releasing one by one`;
  return attempt<WaitReleaseCost>(strategy, options.cpuCount, what, () => {
    const progress = { held: 0, turn: 0, lastPutCycles: -1, returnedCycles: -1, answer: '' };
    const unloader = machine.spawn({ name: 'rmmod', cpu: 0, bound: true, body: function* (self) {
      yield* waitFor(() => progress.held === WAIT_RELEASE_USERS);
      const result = yield* core.deleteModule(self, COST_MODULE, { nonblock: false, trunc: false });
      progress.answer = result.ok ? 'ok' : `${result.errno} (${result.message})`;
      progress.returnedCycles = machine.clockOf(self.cpu);
    } });
    const releasable = (): boolean => progress.answer !== '' || asleep(machine, unloader);
    for (let user = 0; user < WAIT_RELEASE_USERS; user++) {
      const cpu = options.cpuCount === 1 ? 0 : 1 + (user % (options.cpuCount - 1));
      machine.spawn({ name: `user${user}`, cpu, bound: true, body: function* (self) {
        if (!(yield* core.tryModuleGet(self, module))) throw new Error('try_module_get refused a reference to a live module');
        progress.held++;
        yield* waitFor(() => progress.turn === user && releasable());
        if (user === WAIT_RELEASE_USERS - 1) progress.lastPutCycles = machine.clockOf(self.cpu);
        yield* core.modulePut(self, module);
        progress.turn++;
      } });
    }
    const ran = runToEnd(machine, strategy, what);
    if (!ran.ok) return ran;
    if (progress.answer !== 'ok') return ok({ waited: false, refusal: progress.answer });
    if (progress.returnedCycles < progress.lastPutCycles) throw new Error('rmmod --wait returned before the last user released the module');
    return ok({ waited: true, releaseCycles: progress.returnedCycles - progress.lastPutCycles });
  });
}

/** Whether the task sleeps (off its CPU, not runnable): a put now must wake it. */
function asleep(machine: Machine, pid: number): boolean {
  const task = machine.task(pid);
  return task !== undefined && !task.onCpu && (task.state === 'TASK_UNINTERRUPTIBLE' || task.state === 'TASK_INTERRUPTIBLE');
}

/** Spins until `ready()`, yielding the CPU to any task waiting for it: no memory is touched. */
function* waitFor(ready: () => boolean): KernelCode<void> {
  while (!ready()) {
    yield cpuRelax();
    yield schedule();
  }
}
