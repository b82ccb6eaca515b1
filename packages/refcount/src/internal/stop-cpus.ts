import {
  MUTEX_CELLS, atomicAdd, cpuRelax, load, localIrqDisable, localIrqEnable, mutexAt, mutexLock, mutexUnlock, preemptDisable, preemptEnable,
  schedule, setCurrentState, store, wakeUpProcess,
  type ExecutionContext, type KernelCode, type Machine, type Mutex,
} from '@kmodsim/cpu';

// stop_machine for the per-CPU refcount design: a stopper kthread bound to every CPU at the stop
// priority, advanced through PREPARE -> DISABLE_IRQ -> RUN -> EXIT by an acknowledgement counter
// in simulated memory (the last CPU to acknowledge a state moves everyone to the next), with
// `fn` run on the first CPU while every other CPU spins with interrupts off. Callers serialize
// on a mutex. The handshake's cost comes from the cache model: every CPU reads the state line
// and decrements the shared counter.

const NONE = 0;
const PREPARE = 1;
const DISABLE_IRQ = 2;
const RUN = 3;
const EXIT = 4;

/** The CPU that runs `fn` (the first online CPU, as stop_machine with no cpumask chooses). */
const ACTIVE_CPU = 0;

type StopFn<T> = (self: ExecutionContext) => KernelCode<T>;

export class StopMachine {
  private readonly mutex: Mutex;
  /** The state word and the acknowledgement counter, each on its own cache line. */
  private readonly state: number;
  private readonly ack: number;
  /** Stoppers that have not finished this round; the caller sleeps until it is zero. */
  private readonly pending: number;
  private readonly stoppers: number[] = [];
  private work: { fn: StopFn<unknown>; result: unknown; caller: number } | undefined;

  constructor(private readonly machine: Machine) {
    this.mutex = mutexAt('stop_cpus_mutex', machine.alloc('stop_cpus_mutex', MUTEX_CELLS, { lineAligned: true }).base);
    this.state = machine.alloc('stop_machine.state', 1, { lineAligned: true }).base;
    this.ack = machine.alloc('stop_machine.thread_ack', 1, { lineAligned: true }).base;
    this.pending = machine.alloc('stop_machine.pending', 1, { lineAligned: true }).base;
    for (let cpu = 0; cpu < machine.cpuCount; cpu++) {
      this.stoppers.push(machine.spawn({ name: `migration/${cpu}`, cpu, bound: true, priority: 'stop', daemon: true, body: (self) => this.stopper(self) }));
    }
  }

  /** stop_machine(fn): runs `fn` on one CPU with every CPU stopped and interrupts off; returns its result. */
  *run<T>(self: ExecutionContext, fn: StopFn<T>): KernelCode<T> {
    yield* mutexLock(this.mutex, self);
    const cpuCount = this.machine.cpuCount;
    this.work = { fn, result: undefined, caller: self.pid };
    yield store(this.pending, cpuCount);
    yield store(this.ack, cpuCount);
    yield store(this.state, PREPARE);
    // Wake every stopper with preemption off, as queue_stop_cpus_work does: otherwise the first
    // stopper woken, on this CPU, would preempt us and spin forever for stoppers never woken.
    yield preemptDisable();
    for (const stopper of this.stoppers) yield wakeUpProcess(stopper);
    yield preemptEnable();
    // wait_for_completion: sleep until the last stopper is done.
    while (true) {
      yield setCurrentState('TASK_UNINTERRUPTIBLE');
      if ((yield load(this.pending)) === 0) break;
      yield schedule();
    }
    yield setCurrentState('TASK_RUNNING');
    const result = this.work.result as T;
    this.work = undefined;
    yield store(this.state, NONE);
    yield* mutexUnlock(this.mutex, self);
    return result;
  }

  /** The per-CPU stopper thread: sleeps until there is work, then follows the state machine. */
  private *stopper(self: ExecutionContext): KernelCode<void> {
    while (true) {
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
    let current = PREPARE;
    yield* this.acknowledge(current);
    while (current !== EXIT) {
      yield cpuRelax();
      const next = yield load(this.state);
      if (next === current || next === NONE || next === PREPARE) continue;
      current = next;
      if (current === DISABLE_IRQ) yield localIrqDisable();
      else if (current === RUN && self.cpu === ACTIVE_CPU && this.work !== undefined) this.work.result = yield* this.work.fn(self);
      yield* this.acknowledge(current);
    }
    yield localIrqEnable();
    if ((yield atomicAdd(this.pending, -1)) === 0 && this.work !== undefined) yield wakeUpProcess(this.work.caller);
  }

  /** ack_state(): the last CPU to acknowledge a state resets the counter and sets the next state. */
  private *acknowledge(state: number): KernelCode<void> {
    if ((yield atomicAdd(this.ack, -1)) !== 0) return;
    yield store(this.ack, this.machine.cpuCount);
    yield store(this.state, state + 1);
  }
}
