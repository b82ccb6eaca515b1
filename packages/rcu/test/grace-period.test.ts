import { describe, expect, it } from 'vitest';
import { check, load, runScenario, store, work, type ExecutionContext, type KernelCode, type Machine } from '@kmodsim/cpu';
import { createRcu, type Rcu } from '@kmodsim/rcu';
import { machineOf } from './helpers.js';

type Wait = (rcu: Rcu, self: ExecutionContext) => KernelCode<void>;

const WAITS: Readonly<Record<string, Wait>> = {
  synchronize_rcu: (rcu, self) => rcu.synchronize(self),
  synchronize_rcu_expedited: (rcu, self) => rcu.synchronizeExpedited(self),
  'nothing (a broken grace period, to show the check bites)': function* () {
    yield work(1);
  },
};

/** Per CPU: whether a reader is inside, and which section (counted from 1). */
interface Readers {
  readonly inside: number;
  readonly section: number;
}

function readerCells(machine: Machine): Readers[] {
  return Array.from({ length: machine.cpuCount }, (_, cpu) => {
    const base = machine.alloc(`reader${cpu}`, 2, { lineAligned: true }).base;
    return { inside: base, section: base + 1 };
  });
}

/** A read-side section that marks itself on its CPU's cells, as the data it protects would be used. */
function* readSection(rcu: Rcu, self: ExecutionContext, cells: Readers[]): KernelCode<void> {
  yield* rcu.readLock(self);
  const mine = cells[self.cpu];
  if (mine === undefined) throw new Error('no reader cells for this CPU');
  const outer = (yield load(mine.inside)) === 0;
  if (outer) {
    yield store(mine.section, (yield load(mine.section)) + 1);
    yield store(mine.inside, 1);
  }
  yield work(5);
  yield load(mine.section);
  if (outer) yield store(mine.inside, 0);
  yield* rcu.readUnlock(self);
}

/**
 * Readers on every CPU but 0 (tasks, and an interrupt handler anywhere), an updater on CPU 0 that
 * waits for grace periods. After each wait, no section that was open when the wait began may
 * still be open: the updater checks it, and a failure faults the run.
 */
function runReadersAndUpdater(wait: Wait, cpuCount: number, seed: number): { ok: boolean; message: string; schedule: string } {
  const machine = machineOf({ cpuCount, schedule: `kms1:random:${seed}:irq=0.1:preempt=0.1` });
  const rcu = createRcu(machine);
  const cells = readerCells(machine);
  machine.addIrqSource({ name: 'reader_irq', limit: 4, handler: (self) => readSection(rcu, self, cells) });
  for (let cpu = 1; cpu < cpuCount; cpu++) {
    machine.spawn({ name: `reader/${cpu}`, cpu, bound: true, body: function* (self) {
      for (let i = 0; i < 4; i++) {
        yield* readSection(rcu, self, cells);
        yield work(3);
      }
    } });
  }
  machine.spawn({ name: 'updater', cpu: 0, bound: true, body: function* (self) {
    for (let round = 0; round < 3; round++) {
      const open = cells.map((mine) => (machine.read(mine.inside) === 1 ? machine.read(mine.section) : 0));
      yield* wait(rcu, self);
      for (const [cpu, mine] of cells.entries()) {
        const section = open[cpu] ?? 0;
        const stillOpen = section !== 0 && machine.read(mine.inside) === 1 && machine.read(mine.section) === section;
        yield check(!stillOpen, `the grace period ended while the reader on CPU ${cpu} was still inside section ${section}, which began before it`);
      }
    }
  } });
  const run = machine.run();
  return run.ok ? { ok: true, message: '', schedule: run.schedule } : { ok: false, message: run.fault.message, schedule: run.fault.choices };
}

describe('grace periods', () => {
  for (const name of ['synchronize_rcu', 'synchronize_rcu_expedited']) {
    it(`${name} never returns while a reader that began before it is still inside (1,500 random schedules, task and interrupt readers)`, () => {
      const wait = WAITS[name];
      if (wait === undefined) throw new Error(name);
      for (let seed = 1; seed <= 1500; seed++) {
        const cpuCount = 2 + (seed % 3);
        const run = runReadersAndUpdater(wait, cpuCount, seed);
        if (!run.ok) expect.fail(`${cpuCount} CPUs, seed ${seed}: ${run.message}\nreplay: ${run.schedule}`);
      }
    });
  }

  it('the same check catches a grace period that does not wait', () => {
    const wait = WAITS['nothing (a broken grace period, to show the check bites)'];
    if (wait === undefined) throw new Error('missing');
    const failures = Array.from({ length: 100 }, (_, index) => runReadersAndUpdater(wait, 3, index + 1)).filter((run) => !run.ok);
    expect(failures.length).toBeGreaterThan(0);
    expect(failures[0]?.message).toMatch(/^the grace period ended while the reader on CPU \d was still inside section \d+/);
  });

  it('call_rcu callbacks run after a grace period, in the order queued, and rcu_barrier waits for them', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const machine = machineOf({ cpuCount: 3, schedule: `kms1:random:${seed}` });
      const rcu = createRcu(machine);
      const cells = readerCells(machine);
      const ran: number[] = [];
      const violations: string[] = [];
      machine.spawn({ name: 'reader', cpu: 1, bound: true, body: function* (self) {
        for (let i = 0; i < 3; i++) yield* readSection(rcu, self, cells);
      } });
      machine.spawn({ name: 'updater', cpu: 0, bound: true, body: function* (self) {
        for (let index = 0; index < 4; index++) {
          const open = machine.read(cells[1]?.inside ?? 0) === 1 ? machine.read(cells[1]?.section ?? 0) : 0;
          yield* rcu.call(self, function* () {
            if (open !== 0 && machine.read(cells[1]?.inside ?? 0) === 1 && machine.read(cells[1]?.section ?? 0) === open) {
              violations.push(`callback ${index} ran inside section ${open}`);
            }
            ran.push(index);
            yield work(1);
          });
          yield work(7);
        }
        yield* rcu.barrier(self);
        yield check(ran.length === 4, `rcu_barrier returned with ${ran.length} of 4 callbacks run`);
      } });
      const run = machine.run();
      if (!run.ok) expect.fail(`seed ${seed}: ${run.fault.message}\nreplay: ${run.fault.choices}`);
      expect(violations, `seed ${seed}`).toEqual([]);
      expect(ran, `seed ${seed}`).toEqual([0, 1, 2, 3]);
      expect(rcu.completed.normal).toBeGreaterThan(0);
    }
  });

  it('an expedited grace period interrupts the other CPUs; a normal one does not', () => {
    const interrupted = (expedite: boolean): number => {
      const trace: { name: string }[] = [];
      const created = machineOf({ cpuCount: 4, schedule: 'kms1:rr', trace: { event: (event) => trace.push(event) } });
      const rcu = createRcu(created);
      created.spawn({ name: 'updater', cpu: 0, body: (self) => (expedite ? rcu.synchronizeExpedited(self) : rcu.synchronize(self)) });
      expect(created.run().ok).toBe(true);
      return trace.filter((event) => event.name === 'irq_handler_entry').length;
    };
    expect(interrupted(true)).toBe(3);
    expect(interrupted(false)).toBe(0);
  });
});

describe('misuse, as lockdep and CONFIG_PROVE_RCU report it', () => {
  function faultOf(body: (rcu: Rcu, self: ExecutionContext) => KernelCode<void>): string {
    const misuse = {
      name: 'misuse',
      description: 'one task misusing RCU',
      setup(machine: Machine) {
        const rcu = createRcu(machine);
        machine.spawn({ name: 'careless', cpu: 0, body: (self) => body(rcu, self) });
        return undefined;
      },
    };
    const run = runScenario(misuse, { cpuCount: 2, schedule: 'kms1:rr' });
    if (!run.ok) expect.fail(run.message);
    const fault = run.value.fault;
    if (fault === undefined) expect.fail('the misuse was not caught');
    expect(fault.trace.at(-1)?.name).toBe('fault');
    return fault.message;
  }

  it('rcu_read_unlock without rcu_read_lock', () => {
    expect(faultOf((rcu, self) => rcu.readUnlock(self))).toMatch(
      /^WARNING: bad unlock balance detected!\ncareless\/\d+ is trying to release lock \(rcu_read_lock\) at rcu_read_unlock\(\) but there are no more locks to release!$/,
    );
  });

  it('one rcu_read_unlock too many after a balanced pair', () => {
    expect(faultOf(function* (rcu, self) {
      yield* rcu.readLock(self);
      yield* rcu.readUnlock(self);
      yield* rcu.readUnlock(self);
    })).toContain('bad unlock balance detected');
  });

  for (const [name, call] of [
    ['synchronize_rcu', (rcu: Rcu, self: ExecutionContext) => rcu.synchronize(self)],
    ['synchronize_rcu_expedited', (rcu: Rcu, self: ExecutionContext) => rcu.synchronizeExpedited(self)],
  ] as const) {
    it(`${name} inside a read-side section`, () => {
      expect(faultOf(function* (rcu, self) {
        yield* rcu.readLock(self);
        yield* call(rcu, self);
      })).toMatch(new RegExp(`^WARNING: suspicious RCU usage: Illegal ${name}\\(\\) in RCU read-side critical section \\(careless/\\d+\\)$`));
    });
  }

  it('synchronize_rcu from an interrupt handler', () => {
    const machine = machineOf({ cpuCount: 1, schedule: 'kms1:random:2:irq=0.9' });
    const rcu = createRcu(machine);
    machine.addIrqSource({ name: 'bad_irq', limit: 1, handler: (self) => rcu.synchronize(self) });
    machine.spawn({ name: 'victim', body: function* () {
      for (let i = 0; i < 20; i++) yield work(1);
    } });
    const run = machine.run();
    if (run.ok) expect.fail('not caught');
    expect(run.fault.message).toMatch(/^BUG: sleeping function called from invalid context at kernel\/rcu\/tree.c \(synchronize_rcu\) \(called from interrupt context\)/);
  });
});
