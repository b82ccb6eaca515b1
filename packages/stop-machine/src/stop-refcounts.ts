import {
  MUTEX_CELLS, mightSleep, atomicInc, cpuRelax, load, localIrqDisable, localIrqEnable, mutexAt, mutexLock, mutexUnlock, preemptDisable, preemptEnable,
  schedule, setAffinity, spawn, store,
  type ExecutionContext, type KernelCode, type Machine, type Mutex,
} from '@kmodsim/cpu';
import { decodeStopState, encodeStopState, RoundClock } from './round-clock.js';
import type { StopFn, StopMachine, StopRound } from './stop-machine.js';

// The first stop_machine, from Linux 2.6.0's kernel/module.c (stop_refcounts/restart_refcounts),
// written for exactly this job. For each call the caller forks one SCHED_FIFO thread per other
// CPU, binds itself to its own CPU, and drives a state word WAIT -> PREPARE -> DISABLE_IRQ ->
// EXIT, counting acknowledgements up to the number of threads. Threads yield() until PREPARE
// (so the CPU's other work can still finish), then hold their CPU with preemption off and
// finally interrupts off. The caller disables its own preemption and interrupts and runs `fn`
// itself. No thread outlives the call.

const WAIT = 0;
const PREPARE = 1;
const DISABLE_IRQ = 2;
const EXIT = 3;

export class StopRefcounts implements StopMachine {
  readonly variant = 'linux-2.6.0';
  /** cpucontrol: no CPU comes or goes, and one stop at a time. */
  private readonly mutex: Mutex;
  private readonly state: number;
  private readonly ack: number;
  private last: StopRound | undefined;
  private clock: RoundClock | undefined;

  constructor(private readonly machine: Machine) {
    this.mutex = mutexAt(machine, 'cpucontrol', machine.alloc('cpucontrol', MUTEX_CELLS, { lineAligned: true }).base);
    this.state = machine.alloc('stopref_state', 1, { lineAligned: true }).base;
    this.ack = machine.alloc('stopref_thread_ack', 1, { lineAligned: true }).base;
    // The call's figures live here, outside simulated memory.
    machine.keepHostState<{ last: StopRound | undefined; clock: RoundClock | undefined }>({
      name: 'stop_machine',
      save: () => ({ last: this.last, clock: this.clock?.copy() }),
      load: (saved) => {
        this.last = saved.last;
        this.clock = saved.clock?.copy();
      },
      encode: (saved) => encodeStopState(saved.clock !== undefined, saved.last),
      decode: (data) => ({ last: decodeStopState(data), clock: undefined }),
      // Only figures live here, which report and decide nothing.
      fingerprint: () => undefined,
    });
  }

  get lastRound(): StopRound | undefined {
    return this.last;
  }

  *run(self: ExecutionContext, fn: StopFn, cpus?: readonly number[]): KernelCode<number> {
    yield* mightSleep(self, 'kernel/module.c (stop_refcounts)');
    if (cpus !== undefined) throw new RangeError('stop_machine (linux-2.6.0): fn runs on the calling CPU only; pass no cpumask');
    const threads = yield* this.stopRefcounts(self);
    const clock = this.clock;
    clock?.ranFn(self.cpu);
    const result = yield* fn(self);
    yield* this.restartRefcounts(self.cpu, threads);
    if (clock !== undefined) this.last = clock.finish(self.cpu, result);
    this.clock = undefined;
    yield* mutexUnlock(this.mutex, self);
    return result;
  }

  /** Holds every other CPU with interrupts off, then this one; resumes with the thread count. */
  private *stopRefcounts(self: ExecutionContext): KernelCode<number> {
    const callerCpu = self.cpu;
    // Bound to the CPU it happens to be on, as 2.6.0 did: another set_cpus_allowed() on this
    // task meanwhile would be lost (a race 2.6.0 noted and kept), and afterwards the task may run
    // anywhere, whatever its mask was (the machine does not expose a task's mask to restore).
    yield setAffinity(callerCpu);
    yield* mutexLock(this.mutex, self);
    this.clock = new RoundClock(this.machine, self.pid, self.cpu);
    yield store(this.ack, 0);
    yield store(this.state, WAIT);
    let threads = 0;
    for (let cpu = 0; cpu < this.machine.cpuCount; cpu++) {
      if (cpu === callerCpu) continue;
      yield spawn({ name: `stopref/${cpu}`, cpu, bound: true, priority: 'fifo', body: (thread) => this.stopref(thread) });
      threads++;
    }
    // Wait for them all to come to life, giving this CPU away meanwhile.
    while ((yield load(this.ack)) !== threads) yield schedule();
    // Don't schedule us away at this point, please.
    yield preemptDisable();
    this.clock.hold(callerCpu);
    yield* this.setState(PREPARE, threads);
    yield* this.setState(DISABLE_IRQ, threads);
    yield localIrqDisable();
    return threads;
  }

  private *restartRefcounts(callerCpu: number, threads: number): KernelCode<void> {
    yield* this.setState(EXIT, threads);
    yield localIrqEnable();
    this.clock?.release(callerCpu);
    yield preemptEnable();
    yield setAffinity(-1);
  }

  /** stopref_set_state(): publish a state and spin until every thread has acknowledged it. */
  private *setState(state: number, threads: number): KernelCode<void> {
    yield store(this.ack, 0);
    yield store(this.state, state);
    while ((yield load(this.ack)) !== threads) yield cpuRelax();
  }

  /** One forked thread, bound to its CPU at SCHED_FIFO: follows the state word until EXIT. */
  private *stopref(self: ExecutionContext): KernelCode<void> {
    const clock = this.clock;
    let prepared = false;
    let irqsDisabled = false;
    // Ack: alive.
    yield atomicInc(this.ack);
    while (true) {
      const state = yield load(this.state);
      if (state === EXIT) break;
      if (state === DISABLE_IRQ && !irqsDisabled) {
        yield localIrqDisable();
        irqsDisabled = true;
        yield atomicInc(this.ack);
      } else if (state === PREPARE && !prepared) {
        // Everyone is in place: hold this CPU.
        yield preemptDisable();
        clock?.hold(self.cpu);
        prepared = true;
        yield atomicInc(this.ack);
      }
      if (prepared || irqsDisabled) yield cpuRelax();
      else yield schedule();
    }
    // Ack: exiting.
    yield atomicInc(this.ack);
    if (irqsDisabled) yield localIrqEnable();
    clock?.release(self.cpu);
    if (prepared) yield preemptEnable();
  }
}
