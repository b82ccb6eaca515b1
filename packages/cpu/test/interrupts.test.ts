import { describe, expect, test } from 'vitest';
import {
  atomicInc, check, load, localIrqDisable, localIrqEnable, localIrqRestore, localIrqSave, runScenario, sendIpi,
  spinLockIrqsave, spinUnlockIrqrestore, spinlockAt, store, work, type Machine, type Scenario,
} from '@kmodsim/cpu';

// A task marks (in host memory) when it runs with interrupts off; the handler checks the mark of
// the CPU it interrupts. If an interrupt were ever delivered inside the section, the check fails.
function irqsOffSections(): Scenario {
  return {
    name: 'irqs-off-sections',
    description: 'tasks alternate between interrupts-off sections and open code while an interrupt source fires',
    setup(machine: Machine) {
      const inSection: boolean[] = [false, false];
      const handled = machine.alloc('handled', 1).base;
      for (let cpu = 0; cpu < 2; cpu++) {
        machine.spawn({
          name: `task${cpu}`,
          cpu,
          bound: true,
          body: function* () {
            for (let round = 0; round < 10; round++) {
              const flags = yield localIrqSave();
              inSection[cpu] = true;
              yield work(10);
              yield work(10);
              inSection[cpu] = false;
              yield localIrqRestore(flags);
              yield localIrqDisable();
              inSection[cpu] = true;
              yield work(5);
              inSection[cpu] = false;
              yield localIrqEnable();
              yield work(10);
            }
          },
        });
      }
      machine.addIrqSource({
        name: 'nic',
        handler: function* (self) {
          yield check(!(inSection[self.cpu] ?? false), `interrupt delivered on CPU ${self.cpu} inside an interrupts-off section`);
          yield check(self.inIrq && self.irqsDisabled, 'handler must run in IRQ context with interrupts off');
          yield atomicInc(handled);
        },
      });
      return (m) => (m.read(handled) > 0 ? undefined : 'no interrupt was ever delivered');
    },
  };
}

describe('interrupts', () => {
  test('arrive only where the CPU has interrupts enabled, under hundreds of random schedules', () => {
    for (let seed = 0; seed < 300; seed++) {
      const run = runScenario(irqsOffSections(), { cpuCount: 2, schedule: `kms1:random:${seed}:irq=0.3` });
      if (!run.ok) expect.fail(run.message);
      expect(run.value.fault, `seed ${seed}: ${run.value.fault?.message ?? ''}`).toBeUndefined();
    }
  });

  test('a handler runs on top of the interrupted task, which resumes where it was', () => {
    const run = runScenario(
      {
        name: 'nested',
        description: 'an interrupt between a load and a store',
        setup(machine) {
          const cell = machine.alloc('x', 1).base;
          machine.spawn({ name: 'task', cpu: 0, body: function* () { const value = yield load(cell); yield store(cell, value + 1); } });
          machine.addIrqSource({ name: 'tick', handler: function* () { yield atomicInc(cell); } });
          return (m) => (m.read(cell) === 1 ? undefined : `expected the handler's update to be lost, x = ${m.read(cell)}`);
        },
      },
      // Switch in, load, then the interrupt (entry + its add), then the task's store and its exit.
      { cpuCount: 1, schedule: 'kms1:list:0,0,i0.0,0,0,0', trace: true },
    );
    if (!run.ok) expect.fail(run.message);
    expect(run.value.fault).toBeUndefined();
    const names = run.value.trace.map((event) => event.name);
    expect(names).toEqual(['sched_switch', 'load', 'irq_handler_entry', 'atomic_add_return_relaxed', 'irq_handler_exit', 'store', 'sched_process_exit']);
    const handlerEvent = run.value.trace[3];
    expect(handlerEvent?.flags).toBe('d.h.');
    expect(handlerEvent?.comm).toBe('task');
  });

  test('an IPI waits until the target CPU enables interrupts', () => {
    const scenario: Scenario = {
      name: 'ipi',
      description: 'CPU 0 sends an IPI to CPU 1 while CPU 1 holds a spinlock with interrupts off',
      setup(machine) {
        const lockCells = machine.alloc('lock', 2).base;
        const lock = spinlockAt('lock', lockCells);
        const order = machine.alloc('order', 2).base;
        const seen: string[] = [];
        machine.spawn({
          name: 'holder',
          cpu: 1,
          bound: true,
          body: function* () {
            const flags = yield* spinLockIrqsave(lock);
            yield store(order + 1, 1);
            for (let i = 0; i < 20; i++) yield work(10);
            seen.push('unlock');
            yield* spinUnlockIrqrestore(lock, flags);
            yield work(10);
          },
        });
        machine.spawn({
          name: 'sender',
          cpu: 0,
          bound: true,
          body: function* () {
            while ((yield load(order + 1)) === 0) yield work(10);
            yield sendIpi(1, 'flush', function* () { seen.push('ipi'); yield store(order, 1); });
          },
        });
        return (m) => (seen.join(' ') === 'unlock ipi' && m.read(order) === 1 ? undefined : `order was ${seen.join(' ')}`);
      },
    };
    for (let seed = 0; seed < 100; seed++) {
      const run = runScenario(scenario, { cpuCount: 2, schedule: `kms1:random:${seed}` });
      if (!run.ok) expect.fail(run.message);
      expect(run.value.fault, `seed ${seed}: ${run.value.fault?.message ?? ''}`).toBeUndefined();
    }
  });
});
