import { createPrng, load, loadAcquire, smpMb, smpRmb, smpWmb, store, storeRelease, type KernelCode, type Machine, type Prng, type Scenario } from '@kmodsim/cpu';

// Random programs of four CPUs in the shapes that weak-memory ordering bugs take (Z6.3, WRC,
// ISA2, IRIW, MP across a relay): each CPU is a writer (two stores with or without a barrier
// between), a relay (a load, then a store of another cell: a reader that re-stores) or a reader
// (two loads with or without a read barrier, or an acquire), its accesses on the litmus shapes'
// cycle of cells (see shapePlan). The random programs of
// weak-programs.ts have two or three CPUs and no smp_rmb() nor acquire, and never made a barrier
// meet another CPU's flush across a third CPU's view: sleep sets lost an ending of Z6.3-hb-po
// under 'relaxed' that no seed of theirs reached. A program is named by its seed (`shapePlan`);
// these seeds are a range of their own, apart from weakPlan's, and weak-shapes.test.ts pins some
// of them: a change to what a seed draws must keep what those tests say of them true.

type Op = 'load' | 'acquire' | 'store' | 'release' | 'rmb' | 'wmb' | 'mb';

interface ShapeAction {
  readonly op: Op;
  readonly cell: number;
  readonly value: number;
}

export interface ShapePlan {
  readonly seed: number;
  readonly cpuCount: number;
  readonly cells: number;
  readonly tasks: readonly { readonly cpu: number; readonly bound: true; readonly actions: readonly ShapeAction[] }[];
}

type Role = 'writer' | 'relay' | 'reader';
/** What goes between a role's two accesses: nothing, or a barrier each role has in the litmus shapes. */
const WRITER_ORDER = ['none', 'wmb', 'mb', 'release'] as const;
const RELAY_ORDER = ['none', 'mb', 'acquire', 'release'] as const;
const READER_ORDER = ['none', 'rmb', 'mb', 'acquire'] as const;

export function shapePlan(seed: number): ShapePlan {
  const prng = createPrng(seed);
  // Two writers, a relay and a reader (Z6.3, ISA2 with a writer more), or a writer and two relays (WRC, ISA2).
  const roles: Role[] = ['writer', prng.below(3) === 0 ? 'relay' : 'writer', 'relay', 'reader'];
  shuffle(prng, roles);
  // The litmus shapes' cycle: each CPU's second access is the next one's first (its cell), in a
  // random order of the CPUs; now and then a CPU's second access goes to another cell instead.
  const order = [0, 1, 2, 3];
  shuffle(prng, order);
  const tasks = roles.map((role, cpu) => {
    const place = order.indexOf(cpu);
    const next = prng.below(4) === 0 ? (place + 2 + prng.below(2)) % CELLS : (place + 1) % CELLS;
    return { cpu, bound: true as const, actions: roleActions(prng, role, place, next, cpu + 1) };
  });
  return { seed, cpuCount: roles.length, cells: CELLS, tasks };
}

const CELLS = 4;

/** Shuffles in place (Fisher-Yates), drawing from `prng`. */
function shuffle(prng: Prng, items: unknown[]): void {
  for (let index = items.length - 1; index > 0; index--) {
    const other = prng.below(index + 1);
    const item = items[index];
    items[index] = items[other];
    items[other] = item;
  }
}

function roleActions(prng: Prng, role: Role, first: number, second: number, value: number): ShapeAction[] {
  const pick = <T>(from: readonly T[]): T => from[prng.below(from.length)] as T;
  const at = (op: Op, cell: number): ShapeAction => ({ op, cell, value });
  switch (role) {
    case 'writer': {
      const order = pick(WRITER_ORDER);
      if (order === 'release') return [at('store', first), at('release', second)];
      return order === 'none' ? [at('store', first), at('store', second)] : [at('store', first), at(order, 0), at('store', second)];
    }
    case 'relay': {
      const order = pick(RELAY_ORDER);
      if (order === 'acquire') return [at('acquire', first), at('store', second)];
      if (order === 'release') return [at('load', first), at('release', second)];
      return order === 'none' ? [at('load', first), at('store', second)] : [at('load', first), at('mb', 0), at('store', second)];
    }
    case 'reader': {
      const order = pick(READER_ORDER);
      if (order === 'acquire') return [at('acquire', first), at('load', second)];
      return order === 'none' ? [at('load', first), at('load', second)] : [at('load', first), at(order, 0), at('load', second)];
    }
  }
}

/**
 * The program as a scenario whose check reports every cell and what each CPU that loads read (in
 * one store at its end: a writer stores nothing more, which keeps the unreduced search of four
 * CPUs small enough to compare against): every ending is a distinct message.
 */
export function shapeScenario(plan: ShapePlan): Scenario {
  return {
    name: `weak-shape-${plan.seed}`,
    description: 'a random four-CPU program in a weak-memory litmus shape, for checking the reduction against the full search',
    setup(machine: Machine) {
      const cells = Array.from({ length: plan.cells }, (_, index) => machine.alloc(`c${index}`, 1, { lineAligned: index % 2 === 0 }).base);
      const seen = plan.tasks.map((_, index) => machine.alloc(`seen${index}`, 1).base);
      for (const [index, task] of plan.tasks.entries()) {
        const body = (): KernelCode<void> => runTask(task.actions, cells, seen[index] ?? 0);
        machine.spawn({ name: `t${index}`, cpu: task.cpu, bound: true, body, bodyRef: { name: `t${index}` } });
      }
      return (done) => `final ${[...cells, ...seen].map((cell) => done.read(cell)).join(' ')}`;
    },
  };
}

function* runTask(actions: readonly ShapeAction[], cells: readonly number[], seenCell: number): KernelCode<void> {
  let seen = 0;
  for (const action of actions) seen = seen * 7 + (yield* perform(action, cells[action.cell] ?? 0));
  if (actions.some((action) => action.op === 'load' || action.op === 'acquire')) yield store(seenCell, seen);
}

/** Performs one action on `cell`; returns what it read (0 for a store or a barrier). */
function* perform(action: ShapeAction, cell: number): KernelCode<number> {
  switch (action.op) {    case 'load':
      return yield load(cell);
    case 'acquire':
      return yield loadAcquire(cell);
    case 'store':
      yield store(cell, action.value);
      return 0;
    case 'release':
      yield storeRelease(cell, action.value);
      return 0;
    case 'rmb':
      yield smpRmb();
      return 0;
    case 'wmb':
      yield smpWmb();
      return 0;
    case 'mb':
      yield smpMb();
      return 0;
  }
}
