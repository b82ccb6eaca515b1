import { describe, expect, test } from 'vitest';
import {
  atomicInc, formatChoiceList, formatFtrace, load, localIrqDisable, localIrqEnable, parseChoiceList, parseSchedule, runScenario, store, work,
  type Machine, type Scenario,
} from '@kmodsim/cpu';

// Three tasks on two CPUs race on a counter with plain load/store while an interrupt source
// bumps another counter: enough choice points that two different schedules differ.
const racyCounter: Scenario = {
  name: 'racy-counter',
  description: 'two CPUs and an interrupt race on counters with plain and atomic updates',
  setup(machine: Machine) {
    const counter = machine.alloc('counter', 1).base;
    const irqCount = machine.alloc('irq_count', 1, { lineAligned: true }).base;
    for (let index = 0; index < 3; index++) {
      machine.spawn({
        name: `worker${index}`,
        body: function* () {
          for (let round = 0; round < 20; round++) {
            const value = yield load(counter);
            yield work(5 + index);
            yield store(counter, value + 1);
            yield localIrqDisable();
            yield work(3);
            yield localIrqEnable();
          }
        },
      });
    }
    machine.addIrqSource({ name: 'timer', handler: function* () { yield atomicInc(irqCount); } });
    return undefined;
  },
};

function traceText(schedule: string): string {
  const run = runScenario(racyCounter, { cpuCount: 2, schedule, trace: true });
  if (!run.ok) expect.fail(run.error.message);
  return formatFtrace(run.value.trace, 2);
}

describe('determinism', () => {
  test('the same seed gives identical trace bytes, a different seed a different run', () => {
    const first = traceText('kms1:random:42:irq=0.2:preempt=0.05');
    expect(traceText('kms1:random:42:irq=0.2:preempt=0.05')).toBe(first);
    expect(traceText('kms1:random:43:irq=0.2:preempt=0.05')).not.toBe(first);
    expect(first).toContain('irq_handler_entry');
    expect(first).toContain('sched_switch');
  });

  test('the recorded choice list replays a random run exactly, byte for byte', () => {
    const original = runScenario(racyCounter, { cpuCount: 2, schedule: 'kms1:random:7:irq=0.3:preempt=0.1', trace: true });
    if (!original.ok) expect.fail(original.error.message);
    const choices = original.value.choices;
    expect(choices).toMatch(/^kms1:list:/);
    const replayed = runScenario(racyCounter, { cpuCount: 2, schedule: choices, trace: true });
    if (!replayed.ok) expect.fail(replayed.error.message);
    expect(replayed.value.fault).toBeUndefined();
    expect(formatFtrace(replayed.value.trace, 2)).toBe(formatFtrace(original.value.trace, 2));
    expect(replayed.value.machine.read(0)).toBe(original.value.machine.read(0));
  });

  test('a schedule that does not fit the run is reported as a divergence, not replayed wrongly', () => {
    const run = runScenario(racyCounter, { cpuCount: 2, schedule: 'kms1:list:0*5,5' });
    if (!run.ok) expect.fail(run.error.message);
    expect(run.value.fault?.kind).toBe('replay-diverged');
    expect(run.value.fault?.message).toContain('CPU 5 has nothing to do');

    const short = runScenario(racyCounter, { cpuCount: 2, schedule: 'kms1:list:0*3' });
    if (!short.ok) expect.fail(short.error.message);
    expect(short.value.fault?.kind).toBe('replay-diverged');
    expect(short.value.fault?.message).toContain('the schedule ends after 3 choices');

    // A schedule from a run that went on longer: its run would not end here.
    const whole = runScenario(racyCounter, { cpuCount: 2, schedule: 'kms1:rr' });
    if (!whole.ok) expect.fail(whole.error.message);
    const long = runScenario(racyCounter, { cpuCount: 2, schedule: `${whole.value.choices},0,0` });
    if (!long.ok) expect.fail(long.error.message);
    expect(long.value.fault?.kind).toBe('replay-diverged');
    expect(long.value.fault?.message).toContain("the run ended with 2 of the schedule's choices not made");
  });

  test('schedule strings round-trip through parsing', () => {
    for (const text of ['kms1:rr', 'kms1:rr:slice=50', 'kms1:random:9', 'kms1:random:9:irq=0.5', 'kms1:list:0*3,i1.0,x0,p1>0,1', 'kms1:list:0*2,(0,1*3)*4,(i0.1,x1,p0>1)*2']) {
      const parsed = parseSchedule(text);
      if (!parsed.ok) expect.fail(parsed.error.message);
      expect(parsed.value.schedule).toBe(text);
    }
  });
});

describe('schedule strings stay short', () => {
  test('CPUs taking turns compress to a repeated group, and the group expands back exactly', () => {
    const choices = [0, 0, 0, ...Array.from({ length: 80 }, (_, index) => index % 2), 1, 1].map((cpu) => ({ kind: 'step' as const, cpu }));
    const text = formatChoiceList(choices);
    expect(text).toBe('kms1:list:0*4,(1,0)*39,1*3');
    const parsed = parseChoiceList(text.slice('kms1:list:'.length));
    if (!parsed.ok) expect.fail(parsed.error.message);
    expect(parsed.value).toEqual(choices);
  });
});
