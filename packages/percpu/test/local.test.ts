import { describe, expect, it } from 'vitest';
import { runScenario } from '@kmodsim/cpu';
import { localCounterScenario } from '@kmodsim/percpu';

// local_t promises atomicity against this CPU's interrupts only. The plain flavour breaks that
// promise; the native and atomic flavours keep it whatever the interleaving.

/** Seeds tried in order, so the first failing one is always the same. */
function firstLostUpdate(flavour: 'plain' | 'native' | 'atomic', seeds: number, cpuCount: number): { seed: number; message: string; schedule: string } | undefined {
  const scenario = localCounterScenario({ flavour, incrementsPerTask: 6 });
  for (let seed = 1; seed <= seeds; seed++) {
    const run = runScenario(scenario, { cpuCount, schedule: `kms1:random:${seed}:irq=0.3:preempt=0.1:migrate=0.1` });
    if (!run.ok) expect.fail(run.message);
    const fault = run.value.fault;
    if (fault !== undefined) return { seed, message: fault.message, schedule: fault.choices };
  }
  return undefined;
}

describe('local_t', () => {
  it('plain: an interrupt between the load and the store loses an update, and the search finds it the same way every time', () => {
    const found = firstLostUpdate('plain', 500, 2);
    expect(found).toBeDefined();
    if (found === undefined) return;
    expect(found.message).toMatch(/^local_t \(plain\): the counters sum to \d+, but \d+ increments were made \(\d+ by interrupts\): an update was lost$/);
    expect(firstLostUpdate('plain', 500, 2)).toEqual(found);
    // The exact choices replay the loss.
    const replay = runScenario(localCounterScenario({ flavour: 'plain', incrementsPerTask: 6 }), { cpuCount: 2, schedule: found.schedule });
    if (!replay.ok) expect.fail(replay.message);
    expect(replay.value.fault?.message).toBe(found.message);
  });

  it('plain: the loss is the interrupt landing between load and store, as a hand-written schedule shows', () => {
    // One CPU: the writer's first increment is sched_switch, preempt_disable, load; then the
    // interrupt increments; then the writer stores its stale value.
    const scenario = localCounterScenario({ flavour: 'plain', incrementsPerTask: 1, irqLimit: 1 });
    const run = runScenario(scenario, { cpuCount: 1, schedule: 'kms1:list:0*3,i0.0,0*5' });
    if (!run.ok) expect.fail(run.message);
    expect(run.value.fault?.message).toBe('local_t (plain): the counters sum to 1, but 2 increments were made (1 by interrupts): an update was lost');
    const names = run.value.trace.map((event) => event.name);
    const loadAt = names.indexOf('load');
    expect(names.slice(loadAt, loadAt + 4)).toEqual(['load', 'irq_handler_entry', 'load', 'store']);
  });

  for (const flavour of ['native', 'atomic'] as const) {
    it(`${flavour}: never loses an update in 2,000 random schedules with interrupts, preemption and migration`, () => {
      expect(firstLostUpdate(flavour, 2000, 2)).toBeUndefined();
    });
  }

  it('the plain flavour also loses updates at 4 CPUs', () => {
    expect(firstLostUpdate('plain', 500, 4)).toBeDefined();
  });
});
