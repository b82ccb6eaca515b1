import {
  MUTEX_CELLS, mightSleep, atomicAdd, cpuRelax, rest, load, localIrqDisable, localIrqEnable, mutexAt, mutexFields, mutexLock, mutexUnlock, preemptDisable, preemptEnable,
  schedule, setCurrentState, store, waitEvent, wakeUpProcess,
  type ExecutionContext, type KernelCode, type Machine, type Mutex,
} from '@kmodsim/cpu';
import { decodeStopState, encodeStopState, RoundClock } from './round-clock.js';
import { activeMask } from './cpu-mask.js';
import type { StopFn, StopMachine, StopRound } from './stop-machine.js';

// Today's stop_machine: a stopper kthread bound to every CPU at the stop priority (the
// `migration/N` threads), woken for each call and advanced through PREPARE -> DISABLE_IRQ ->
// RUN -> EXIT by an acknowledgement counter in simulated memory: the last CPU to acknowledge a
// state resets the counter and moves everyone to the next. `fn` runs in RUN on the active CPUs
// while every other stopper spins with interrupts off. Callers serialize on stop_cpus_mutex and
// sleep until the last stopper is done (wait_for_completion). The handshake's cost comes from
// the cache model: every CPU reads the state line and decrements the shared counter.

const NONE = 0;
const PREPARE = 1;
const DISABLE_IRQ = 2;
const RUN = 3;
const EXIT = 4;

interface Work {
  readonly fn: StopFn;
  readonly active: Uint8Array;
  readonly caller: number;
  readonly clock: RoundClock;
  result: number;
}

export class CpuStopMachine implements StopMachine {
  readonly variant = 'cpu-stop';
  private readonly mutex: Mutex;
  /** The state word and the acknowledgement counter, each on its own cache line. */
  private readonly state: number;
  private readonly ack: number;
  /** Stoppers that have not finished this call; the caller sleeps until it is zero. */
  private readonly pending: number;
  private readonly stoppers: number[] = [];
  private work: Work | undefined;
  private last: StopRound | undefined;

  constructor(private readonly machine: Machine) {
    this.mutex = mutexAt(machine, 'stop_cpus_mutex', machine.alloc('stop_cpus_mutex', MUTEX_CELLS, { lineAligned: true, fields: mutexFields('stop_cpus_mutex') }).base);
    this.state = machine.alloc('stop_machine.state', 1, { lineAligned: true }).base;
    this.ack = machine.alloc('stop_machine.thread_ack', 1, { lineAligned: true }).base;
    this.pending = machine.alloc('stop_machine.pending', 1, { lineAligned: true }).base;
    for (let cpu = 0; cpu < machine.cpuCount; cpu++) {
      this.stoppers.push(machine.spawn({ name: `migration/${cpu}`, cpu, bound: true, priority: 'stop', daemon: true, body: (self) => this.stopper(self), bodyRef: { name: 'stopper' } }));
    }
    machine.nameBodies({ stopper: () => (self) => this.stopper(self) });
    // The call under way and the last call's figures live here, outside simulated memory.
    machine.keepHostState<{ work: Work | undefined; last: StopRound | undefined }>({
      name: 'stop_machine',
      save: () => ({ work: this.work === undefined ? undefined : { ...this.work, clock: this.work.clock.copy() }, last: this.last }),
      load: (saved) => {
        this.work = saved.work === undefined ? undefined : { ...saved.work, clock: saved.work.clock.copy() };
        this.last = saved.last;
      },
      encode: (saved) => encodeStopState(saved.work !== undefined, saved.last),
      decode: (data) => ({ work: undefined, last: decodeStopState(data) }),
      // The last call's figures only report; the call under way is its caller's (whose state
      // decides the function it passed), the CPUs it stops and its result.
      fingerprint: ({ work }) => (work === undefined ? undefined : [work.caller, work.active, work.result]),
    });
  }

  get lastRound(): StopRound | undefined {
    return this.last;
  }

  *run(self: ExecutionContext, fn: StopFn, cpus?: readonly number[]): KernelCode<number> {
    yield* mightSleep(self, 'kernel/stop_machine.c (stop_machine)');
    const active = activeMask(this.machine.cpuCount, cpus);
    yield* mutexLock(this.mutex, self);
    const cpuCount = this.machine.cpuCount;
    const work: Work = { fn, active, caller: self.pid, clock: new RoundClock(this.machine, self.pid, self.cpu), result: 0 };
    this.work = work;
    // Publish the work and wake every stopper with preemption off, as queue_stop_cpus_work
    // queues it. Otherwise the first stopper woken, on this CPU, would preempt us and spin
    // forever for stoppers never woken; and a caller preempted and migrated after publishing
    // would wait behind a stopper that saw the work (it was still awake from the last call) and
    // spins for the others, which nobody wakes: a livelock the explorer found.
    yield preemptDisable();
    yield store(this.pending, cpuCount);
    yield store(this.ack, cpuCount);
    yield store(this.state, PREPARE);
    for (const stopper of this.stoppers) yield wakeUpProcess(stopper);
    yield preemptEnable();
    // wait_for_completion: sleep until the last stopper is done.
    yield* waitEvent(this.pending, (left) => left === 0);
    this.work = undefined;
    yield store(this.state, NONE);
    // The stoppers set the result: the caller receives it through the work, outside its own locals.
    const result = this.machine.received(work.result);
    this.last = work.clock.finish(self.cpu, result);
    yield* mutexUnlock(this.mutex, self);
    return result;
  }

  /** The per-CPU stopper thread: sleeps until there is work, then follows the state machine. */
  private *stopper(self: ExecutionContext): KernelCode<void> {
    while (true) {
      // Back at the loop head the thread holds nothing of the last call: what a snapshot keeps of it stops here.
      yield rest();
      yield setCurrentState('TASK_INTERRUPTIBLE');
      const state = yield load(this.state);
      if (state !== PREPARE) {
        yield schedule();
        continue;
      }
      yield setCurrentState('TASK_RUNNING');
      yield* this.multiCpuStop(self);
    }
  }

  /** multi_cpu_stop(): follow the states until EXIT, acknowledging each one. */
  private *multiCpuStop(self: ExecutionContext): KernelCode<void> {
    const work = this.work;
    work?.clock.hold(self.cpu);
    let current = PREPARE;
    yield* this.acknowledge(current);
    while (current !== EXIT) {
      yield cpuRelax();
      const next = yield load(this.state);
      if (next === current || next === NONE || next === PREPARE) continue;
      current = next;
      if (current === DISABLE_IRQ) yield localIrqDisable();
      else if (current === RUN && work !== undefined && work.active[self.cpu] === 1) yield* this.runFn(self, work);
      yield* this.acknowledge(current);
    }
    yield localIrqEnable();
    work?.clock.release(self.cpu);
    if ((yield atomicAdd(this.pending, -1)) === 0 && work !== undefined) yield wakeUpProcess(work.caller);
  }

  private *runFn(self: ExecutionContext, work: Work): KernelCode<void> {
    work.clock.ranFn(self.cpu);
    const result = yield* work.fn(self);
    if (result !== 0) work.result = result;
  }

  /** ack_state(): the last CPU to acknowledge a state resets the counter and sets the next state. */
  private *acknowledge(state: number): KernelCode<void> {
    if ((yield atomicAdd(this.ack, -1)) !== 0) return;
    yield store(this.ack, this.machine.cpuCount);
    yield store(this.state, state + 1);
  }
}
