import {
  atomicAdd, cpuRelax, createPrng, free, load, preemptDisable, preemptEnable, schedule, scheduleTimeout, sendIpi, setAffinity, setCurrentState, store, wakeUpProcess,
  type KernelCode, type Machine, type Prng, type Scenario,
} from '@kmodsim/cpu';

// Small random kernel programs: a few tasks on two or three CPUs (bound to them or free to move)
// doing loads, stores, atomics, sleeps and wakes, timed sleeps, spins, preempt-disabled sections,
// a free, IPIs, migration, and an interrupt. Every value a task reads is folded into a number it
// stores at the end, so an order of steps that changes what any task saw changes the final state.
// Each program is named by its seed: a failing one is rebuilt from it. They check the explorer's
// partial-order reduction against the full search (explore's test/reduction.test.ts) and
// snapshots against the machines they were taken from (test/snapshot.test.ts); each task's body
// and the interrupt's handler are named (bodyRef, handlerRef), so a snapshot can be saved as bytes.

/** What one step of a random program does; `cell` and `task` are indexes into the program's cells and tasks. */
type Action =
  | { readonly kind: 'load'; readonly cell: number }
  | { readonly kind: 'store'; readonly cell: number; readonly value: number }
  | { readonly kind: 'add'; readonly cell: number }
  | { readonly kind: 'wait'; readonly cell: number }
  | { readonly kind: 'post'; readonly cell: number; readonly task: number }
  | { readonly kind: 'wake'; readonly task: number }
  | { readonly kind: 'nap'; readonly cycles: number }
  | { readonly kind: 'spin'; readonly cell: number }
  | { readonly kind: 'atomic'; readonly cell: number }
  | { readonly kind: 'free' }
  | { readonly kind: 'touch' }
  | { readonly kind: 'ipi'; readonly cpu: number; readonly cell: number }
  | { readonly kind: 'migrate'; readonly cpu: number };

interface TaskPlan {
  readonly cpu: number;
  readonly bound: boolean;
  readonly actions: readonly Action[];
}

export interface ProgramPlan {
  readonly seed: number;
  readonly cpuCount: number;
  readonly cells: number;
  readonly tasks: readonly TaskPlan[];
  /** An interrupt on CPU 0 that adds to cell 0, at most once. */
  readonly irq: boolean;
}

export function randomPlan(seed: number): ProgramPlan {
  const prng = createPrng(seed);
  const cpuCount = 2 + prng.below(2);
  const cells = 2 + prng.below(2);
  const taskCount = cpuCount + prng.below(2);
  const tasks: TaskPlan[] = [];
  for (let index = 0; index < taskCount; index++) {
    const actions: Action[] = [];
    const length = 1 + prng.below(3);
    for (let step = 0; step < length; step++) actions.push(randomAction(prng, cells, taskCount, index, cpuCount));
    tasks.push({ cpu: index % cpuCount, bound: prng.below(3) !== 0, actions });
  }
  return { seed, cpuCount, cells, tasks, irq: prng.below(4) === 0 };
}

function randomAction(prng: Prng, cells: number, taskCount: number, self: number, cpuCount: number): Action {
  const cell = prng.below(cells);
  const other = (self + 1 + prng.below(taskCount - 1)) % taskCount;
  const roll = prng.below(23);
  if (roll < 4) return { kind: 'load', cell };
  if (roll < 7) return { kind: 'store', cell, value: 1 + prng.below(3) };
  if (roll < 10) return { kind: 'add', cell };
  if (roll < 11) return { kind: 'wait', cell };
  if (roll < 13) return { kind: 'post', cell, task: other };
  if (roll < 14) return { kind: 'wake', task: other };
  if (roll < 15) return { kind: 'nap', cycles: 50 + 100 * prng.below(4) };
  if (roll < 16) return { kind: 'spin', cell };
  if (roll < 18) return { kind: 'atomic', cell };
  if (roll < 19) return { kind: 'free' };
  if (roll < 20) return { kind: 'touch' };
  if (roll < 22) return { kind: 'ipi', cpu: prng.below(cpuCount), cell };
  return { kind: 'migrate', cpu: prng.below(cpuCount) };
}

/** The program as a scenario whose check reports the final state: every ending is a distinct message. */
export function programScenario(plan: ProgramPlan): Scenario {
  return {
    name: `random-program-${plan.seed}`,
    description: 'a random program for checking the reduction against the full search',
    setup(machine: Machine) {
      const { cells, check } = setUpProgram(machine, plan.cells, plan.tasks, perform);
      if (plan.irq) machine.addIrqSource({ name: 'irq', cpus: [0], limit: 1, handler: function* () { yield atomicAdd(cells[0] ?? 0, 10); }, handlerRef: { name: 'irq' } });
      return check;
    },
  };
}

/** What a random program's actions use: its cells, the object, and its tasks' ids. */
export interface ProgramCells {
  readonly cells: readonly number[];
  readonly object: number;
  readonly pids: readonly number[];
}

/**
 * A random program's memory and tasks: its cells (every other one on a cache line of its own),
 * the object, and a cell per task where the task stores, last, every value it read folded into
 * one number. Each task runs its actions through `perform`. The check reports every cell.
 */
export function setUpProgram<A>(
  machine: Machine,
  cellCount: number,
  tasks: readonly { readonly cpu: number; readonly bound: boolean; readonly actions: readonly A[] }[],
  perform: (action: A, context: ProgramCells) => KernelCode<number>,
): { cells: readonly number[]; check: (done: Machine) => string } {
  const cells = Array.from({ length: cellCount }, (_, index) => machine.alloc(`c${index}`, 1, { lineAligned: index % 2 === 0 }).base);
  const object = machine.alloc('object', 1).base;
  const seen = tasks.map((_, index) => machine.alloc(`seen${index}`, 1).base);
  const pids: number[] = [];
  const context = { cells, object, pids };
  for (const [index, task] of tasks.entries()) {
    const body = (): KernelCode<void> => runTask(task.actions, context, seen[index] ?? 0, perform);
    pids.push(machine.spawn({ name: `t${index}`, cpu: task.cpu, bound: task.bound, body, bodyRef: { name: `t${index}` } }));
  }
  return { cells, check: (done) => `final ${[...cells, ...seen].map((cell) => done.read(cell)).join(' ')}` };
}

function* runTask<A>(actions: readonly A[], context: ProgramCells, seenCell: number, perform: (action: A, context: ProgramCells) => KernelCode<number>): KernelCode<void> {
  let seen = 0;
  for (const action of actions) seen = (seen * 7 + (yield* perform(action, context))) % 1_000_003;
  yield store(seenCell, seen);
}

/** Performs one action; returns what it observed. */
function* perform(action: Action, { cells, object, pids }: ProgramCells): KernelCode<number> {
  const cellAt = (index: number): number => cells[index] ?? 0;
  switch (action.kind) {
    case 'load':
      return yield load(cellAt(action.cell));
    case 'store':
      yield store(cellAt(action.cell), action.value);
      return 0;
    case 'add':
      return yield atomicAdd(cellAt(action.cell), 1);
    case 'wait':
      // Linux's order: the state first, then the test, then the sleep; a post sets the cell and wakes.
      for (;;) {
        yield setCurrentState('TASK_UNINTERRUPTIBLE');
        if ((yield load(cellAt(action.cell))) !== 0) break;
        yield schedule();
      }
      yield setCurrentState('TASK_RUNNING');
      return 1;
    case 'post':
      yield store(cellAt(action.cell), 1);
      return yield wakeUpProcess(pids[action.task] ?? 0);
    case 'wake':
      return yield wakeUpProcess(pids[action.task] ?? 0);
    case 'nap': {
      yield setCurrentState('TASK_INTERRUPTIBLE');
      const left: number = yield scheduleTimeout(action.cycles);
      return left === action.cycles ? 3 : left > 0 ? 1 : 2;
    }
    case 'spin': {
      let rounds = 0;
      while ((yield load(cellAt(action.cell))) === 0 && rounds++ < 3) yield cpuRelax();
      return rounds;
    }
    case 'atomic': {
      yield preemptDisable();
      const value = yield load(cellAt(action.cell));
      yield store(cellAt(action.cell), value + 1);
      yield preemptEnable();
      return value;
    }
    case 'free':
      yield free(object);
      return 0;
    case 'touch':
      return yield load(object);
    case 'ipi': {
      const cell = cellAt(action.cell);
      yield sendIpi(action.cpu, 'ipi', function* () { yield atomicAdd(cell, 100); });
      return 0;
    }
    case 'migrate':
      yield setAffinity(action.cpu);
      return 0;
  }
}
