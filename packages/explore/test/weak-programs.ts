import {
  atomicAdd, cpuRelax, createPrng, free, load, localAdd, preemptDisable, preemptEnable, schedule, sendIpi, setAffinity, setCurrentState, setCurrentStateUnordered,
  smpMb, store, wakeUpProcess, xchg, type KernelCode, type Machine, type Prng, type Scenario,
} from '@kmodsim/cpu';
import { setUpProgram, type ProgramCells } from '../../cpu/test/random-programs.js';

// Small random kernel programs weighted to what store buffers reorder: plain stores and loads,
// smp_mb(), xchg (locked), local_add (unlocked under tso), atomic adds, waits with and without
// set_current_state()'s barrier, posts that wake, spins, a free and a use of the object, a
// preempt-disabled store-then-load, IPIs, migration, and an interrupt on CPU 0 that stores (or
// loads, then stores). Every value a task reads is folded into a number it stores at the end,
// so an order that changes what any task saw changes the final state. A program is named by its
// seed (`weakPlan(seed)` rebuilds it); the generator is the differential fuzz's that caught the
// programs in fuzz-caught.test.ts, so its seeds name the same programs.

const KINDS = ['load', 'load', 'load', 'store', 'store', 'store', 'store', 'mb', 'xchg', 'local', 'add', 'spin', 'waitU', 'wait', 'post', 'post', 'free', 'touch', 'pd', 'ipi', 'migrate'] as const;

interface Action {
  readonly kind: (typeof KINDS)[number];
  readonly cell: number;
  readonly value: number;
  readonly task: number;
  readonly cpu: number;
}

interface TaskPlan {
  readonly cpu: number;
  readonly bound: boolean;
  readonly actions: readonly Action[];
}

export interface WeakPlan {
  readonly seed: number;
  readonly cpuCount: number;
  readonly cells: number;
  readonly tasks: readonly TaskPlan[];
  readonly irq: 'none' | 'store' | 'loadstore';
}

export function weakPlan(seed: number): WeakPlan {
  const prng = createPrng(seed);
  const cpuCount = 2 + (prng.below(4) === 0 ? 1 : 0);
  const cells = 2 + prng.below(2);
  const taskCount = cpuCount + (prng.below(3) === 0 ? 1 : 0);
  const tasks: TaskPlan[] = [];
  for (let index = 0; index < taskCount; index++) {
    const actions: Action[] = [];
    const length = 2 + prng.below(2);
    for (let step = 0; step < length; step++) actions.push(randomAction(prng, cells, taskCount, index, cpuCount));
    tasks.push({ cpu: index % cpuCount, bound: prng.below(3) !== 0, actions });
  }
  const irq = prng.below(4);
  return { seed, cpuCount, cells, tasks, irq: irq === 0 ? 'store' : irq === 1 ? 'loadstore' : 'none' };
}

function randomAction(prng: Prng, cells: number, taskCount: number, self: number, cpuCount: number): Action {
  // Drawn in this order, whatever the kind: the seeds name the fuzz's programs.
  const cell = prng.below(cells);
  const value = 1 + prng.below(2);
  const task = (self + 1 + prng.below(taskCount - 1)) % taskCount;
  const cpu = prng.below(cpuCount);
  return { kind: KINDS[prng.below(KINDS.length)] ?? 'load', cell, value, task, cpu };
}

/** The program as a scenario whose check reports every cell and what each task saw: every ending is a distinct message. */
export function weakScenario(plan: WeakPlan): Scenario {
  return {
    name: `weak-program-${plan.seed}`,
    description: 'a random program for checking the reduction against the full search under store buffers',
    setup(machine: Machine) {
      const { cells, check } = setUpProgram(machine, plan.cells, plan.tasks, perform);
      const irq = plan.irq;
      if (irq !== 'none') machine.addIrqSource({ name: 'irq', cpus: [0], limit: 1, handler: () => handler(irq, cells) });
      return check;
    },
  };
}

function* handler(irq: 'store' | 'loadstore', cells: readonly number[]): KernelCode<void> {
  const read = irq === 'loadstore' ? yield load(cells[0] ?? 0) : 0;
  yield store(cells[1] ?? 0, 10 + read);
}

/** Performs one action; returns what it observed. */
function* perform(action: Action, { cells, object, pids }: ProgramCells): KernelCode<number> {
  const cell = cells[action.cell] ?? 0;
  switch (action.kind) {
    case 'load':
      return yield load(cell);
    case 'store':
      yield store(cell, action.value);
      return 0;
    case 'mb':
      yield smpMb();
      return 0;
    case 'xchg':
      return yield xchg(cell, action.value);
    case 'local': {
      yield preemptDisable();
      const value: number = yield localAdd(cell, 1);
      yield preemptEnable();
      return value;
    }
    case 'add':
      return yield atomicAdd(cell, 1);
    case 'spin': {
      let rounds = 0;
      while ((yield load(cell)) === 0 && rounds++ < 2) yield cpuRelax();
      return rounds;
    }
    case 'waitU':
    case 'wait':
      for (;;) {
        yield action.kind === 'waitU' ? setCurrentStateUnordered('TASK_UNINTERRUPTIBLE') : setCurrentState('TASK_UNINTERRUPTIBLE');
        if ((yield load(cell)) !== 0) break;
        yield schedule();
      }
      yield setCurrentState('TASK_RUNNING');
      return 1;
    case 'post':
      yield store(cell, 1);
      return yield wakeUpProcess(pids[action.task] ?? 0);
    case 'free':
      yield free(object);
      return 0;
    case 'touch':
      return yield load(object);
    case 'pd':
      return yield* storeThenLoad(cell, cells[(action.cell + 1) % cells.length] ?? 0, action.value);
    case 'ipi':
      yield sendIpi(action.cpu, 'ipi', function* () { yield store(cell, 100); });
      return 0;
    case 'migrate':
      yield setAffinity(action.cpu);
      return 0;
  }
}

/** Store buffering's one side, with preemption off: a store, then a load of another cell. */
function* storeThenLoad(cell: number, other: number, value: number): KernelCode<number> {
  yield preemptDisable();
  yield store(cell, value);
  const read: number = yield load(other);
  yield preemptEnable();
  return read;
}
