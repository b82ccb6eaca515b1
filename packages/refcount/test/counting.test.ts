import { describe, expect, test } from 'vitest';
import { runScenario, store, work, type Machine, type Scenario } from '@kmodsim/cpu';
import { ModuleState, soundStrategies, type ModuleCells, type ModuleRefcount, type RefcountStrategy } from '@kmodsim/refcount';

// Gets and puts from tasks on every CPU and from interrupt handlers: whatever the interleaving,
// every reference taken is dropped exactly once, so the count ends where it began.
function balancedUse(strategy: RefcountStrategy, cpuCount: number): Scenario {
  return {
    name: `balanced-${strategy.name}`,
    description: 'tasks and interrupt handlers take and drop references concurrently',
    setup(machine: Machine) {
      const base = machine.alloc('struct module', 3, { lineAligned: true }).base;
      const cells: ModuleCells = { name: 'demo', state: base, live: base + 1, waiter: base + 2 };
      machine.write(cells.state, ModuleState.LIVE);
      machine.write(cells.live, 1);
      const runtime = strategy.attach({ machine, arch: 'native' });
      let refcount: ModuleRefcount | undefined;
      machine.spawn({ name: 'insmod', cpu: 0, body: function* (self) {
        refcount = yield* runtime.createModule(self, cells);
        yield* refcount.put(self);
      } });
      for (let cpu = 0; cpu < cpuCount; cpu++) {
        machine.spawn({ name: `user${cpu}`, cpu, body: function* (self) {
          while (refcount === undefined) yield work(50);
          for (let round = 0; round < 5; round++) {
            if (yield* refcount.tryGet(self)) {
              yield work(20, 'use');
              yield* refcount.put(self);
            }
          }
        } });
      }
      machine.addIrqSource({ name: 'nic', limit: 10, handler: function* (self) {
        if (refcount === undefined) return;
        if (yield* refcount.tryGet(self)) yield* refcount.put(self);
      } });
      return () => {
        const count = refcount?.count();
        return count === 0 ? undefined : `count ended at ${String(count)}, expected 0`;
      };
    },
  };
}

describe.each(soundStrategies())('$name', (strategy) => {
  test('every get from a task or an interrupt is matched by its put: the count returns to zero', () => {
    for (let seed = 0; seed < 200; seed++) {
      const run = runScenario(balancedUse(strategy, 3), { cpuCount: 3, schedule: `kms1:random:${seed}:irq=0.2:preempt=0.05` });
      if (!run.ok) expect.fail(run.message);
      expect(run.value.fault, `seed ${seed}: ${run.value.fault?.message ?? ''}`).toBeUndefined();
    }
  });

  test('no reference can be taken once the module is not live', () => {
    const run = runScenario({
      name: 'dead',
      description: 'a get on a module that is going',
      setup(machine) {
        const base = machine.alloc('struct module', 3).base;
        const cells: ModuleCells = { name: 'demo', state: base, live: base + 1, waiter: base + 2 };
        const runtime = strategy.attach({ machine, arch: 'native' });
        const got: boolean[] = [];
        machine.spawn({ name: 'user', body: function* (self) {
          const refcount = yield* runtime.createModule(self, cells);
          yield store(cells.state, ModuleState.GOING);
          got.push(yield* refcount.tryGet(self));
        } });
        return () => (got[0] === false ? undefined : `tryGet on a GOING module returned ${String(got[0])}`);
      },
    }, { cpuCount: 1 });
    if (!run.ok) expect.fail(run.message);
    expect(run.value.fault?.message).toBeUndefined();
  });
});
