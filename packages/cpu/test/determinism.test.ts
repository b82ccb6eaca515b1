import { describe, expect, test } from 'vitest';
import {
  atomicInc, cpuRelax, formatChoiceList, formatFtrace, load, localIrqDisable, localIrqEnable, parseChoiceList, parseSchedule, runScenario, scheduleTimeout, setCurrentState, store, work,
  type Machine, type Scenario,
} from '@kmodsim/cpu';
import { machineOf } from './helpers.js';

// Three tasks on two CPUs race on a counter with plain load/store while an interrupt source
// bumps another counter: enough choice points that two different schedules differ.
function spawnWorkers(machine: Machine, rounds: number): void {
  const counter = machine.alloc('counter', 1).base;
  const irqCount = machine.alloc('irq_count', 1, { lineAligned: true }).base;
  for (let index = 0; index < 3; index++) {
    machine.spawn({
      name: `worker${index}`,
      body: function* () {
        for (let round = 0; round < rounds; round++) {
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
}

const racyCounter: Scenario = {
  name: 'racy-counter',
  description: 'two CPUs and an interrupt race on counters with plain and atomic updates',
  setup(machine: Machine) {
    spawnWorkers(machine, 20);
    return undefined;
  },
};

function traceText(schedule: string): string {
  const run = runScenario(racyCounter, { cpuCount: 2, schedule, trace: true });
  if (!run.ok) expect.fail(run.message);
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
    if (!original.ok) expect.fail(original.message);
    const choices = original.value.choices;
    expect(choices).toMatch(/^kms1:list:/);
    const replayed = runScenario(racyCounter, { cpuCount: 2, schedule: choices, trace: true });
    if (!replayed.ok) expect.fail(replayed.message);
    expect(replayed.value.fault).toBeUndefined();
    expect(formatFtrace(replayed.value.trace, 2)).toBe(formatFtrace(original.value.trace, 2));
    expect(replayed.value.machine.read(0)).toBe(original.value.machine.read(0));
  });

  test('a schedule that does not fit the run is reported as a divergence, not replayed wrongly', () => {
    const run = runScenario(racyCounter, { cpuCount: 2, schedule: 'kms1:list:0*5,5' });
    if (!run.ok) expect.fail(run.message);
    expect(run.value.fault?.kind).toBe('replay-diverged');
    expect(run.value.fault?.message).toContain('CPU 5 has nothing to do');

    const short = runScenario(racyCounter, { cpuCount: 2, schedule: 'kms1:list:0*3' });
    if (!short.ok) expect.fail(short.message);
    expect(short.value.fault?.kind).toBe('replay-diverged');
    expect(short.value.fault?.message).toContain('the schedule ends after 3 choices');

    // A schedule from a run that went on longer: its run would not end here.
    const whole = runScenario(racyCounter, { cpuCount: 2, schedule: 'kms1:rr' });
    if (!whole.ok) expect.fail(whole.message);
    const long = runScenario(racyCounter, { cpuCount: 2, schedule: `${whole.value.choices},0,0` });
    if (!long.ok) expect.fail(long.message);
    expect(long.value.fault?.kind).toBe('replay-diverged');
    expect(long.value.fault?.message).toContain("the run ended with 2 of the schedule's choices not made");
    // Collecting its trace replays the schedule as given, so the misfit is not taken for nondeterminism.
    expect(long.value.fault?.message).not.toContain('not deterministic');
    expect(long.value.trace.length).toBeGreaterThan(0);
  });

  test('schedule strings round-trip through parsing', () => {
    for (const text of ['kms1:rr', 'kms1:rr:slice=50', 'kms1:random:9', 'kms1:random:9:irq=0.5', 'kms1:list:0*3,i1.0,x0,p1>0,1', 'kms1:list:0*2,(0,1*3)*4,(i0.1,x1,p0>1)*2']) {
      const parsed = parseSchedule(text);
      if (!parsed.ok) expect.fail(parsed.message);
      expect(parsed.value.schedule).toBe(text);
    }
  });
});

describe('time passing in a schedule', () => {
  // A task sleeps with schedule_timeout(); `t` lets time pass to its timer, which wakes it.
  const napper = {
    name: 'napper',
    description: 'a task that sleeps 5000 cycles, then stores',
    setup(machine: Machine) {
      const cell = machine.alloc('done', 1).base;
      machine.spawn({ name: 'napper', cpu: 0, bound: true, body: function* () {
        yield setCurrentState('TASK_UNINTERRUPTIBLE');
        yield scheduleTimeout(5000);
        yield store(cell, 1);
      } });
      // CPU 1 spins on the cell meanwhile, so the machine is never idle: time passes only by `t` (or by spinning).
      machine.spawn({ name: 'spinner', cpu: 1, bound: true, body: function* () {
        while ((yield load(cell)) === 0) yield cpuRelax();
      } });
      return (m: Machine) => (m.read(cell) === 1 ? undefined : 'never woke');
    },
  };

  test('`t` fires the earliest timer; the run records it, and the string round-trips', () => {
    // The napper sleeps (3 steps), the spinner spins once (3), time passes, the napper stores and exits (3), the spinner sees it (2).
    const run = runScenario(napper, { cpuCount: 2, schedule: 'kms1:list:0*3,1*3,t,0*3,1*2' });
    if (!run.ok) expect.fail(run.message);
    expect(run.value.fault).toBeUndefined();
    expect(run.value.choices).toBe('kms1:list:0*3,1*3,t,0*3,1*2');
    // Without `t` the spinner has to spin until its clock passes the timer: many more steps.
    const spun = runScenario(napper, { cpuCount: 2, schedule: 'kms1:rr' });
    expect(spun.ok && spun.value.steps).toBeGreaterThan(run.value.steps + 10);
    const parsed = parseChoiceList('0,t*2,p0>1');
    expect(parsed.ok && parsed.value.map((choice) => choice.kind)).toEqual(['step', 'time', 'time', 'preempt']);
  });

  test('`t` with no timer pending does not fit the run', () => {
    const run = runScenario(napper, { cpuCount: 2, schedule: 'kms1:list:1,t' });
    if (!run.ok) expect.fail(run.message);
    expect(run.value.fault?.kind).toBe('replay-diverged');
    expect(run.value.fault?.message).toContain('time cannot pass to a timer: none is pending');
  });
});

describe('schedule strings stay short', () => {
  test('CPUs taking turns compress to a repeated group, and the group expands back exactly', () => {
    const choices = [0, 0, 0, ...Array.from({ length: 80 }, (_, index) => index % 2), 1, 1].map((cpu) => ({ kind: 'step' as const, cpu }));
    const text = formatChoiceList(choices);
    expect(text).toBe('kms1:list:0*4,(1,0)*39,1*3');
    const parsed = parseChoiceList(text.slice('kms1:list:'.length));
    if (!parsed.ok) expect.fail(parsed.message);
    expect(parsed.value).toEqual(choices);
  });
});

// Thousands of choices, some of two words (preemptions, interrupts): the machine keeps its
// record of choices in pieces (see internal/choice-log.ts), and none may be lost at their seams.
describe('long runs', () => {
  const listOf = (schedule: string) => parseChoiceList(schedule.slice('kms1:list:'.length));

  test('a run of thousands of choices, preemptions and interrupts among them, replays exactly from its choice list', () => {
    const original = machineOf({ cpuCount: 2, schedule: 'kms1:random:9:irq=0.3:preempt=0.1' });
    spawnWorkers(original, 1000);
    const result = original.run();
    if (!result.ok) return expect.fail(result.fault.message);
    const choices = listOf(original.choiceString());
    if (!choices.ok) return expect.fail(choices.message);
    expect(choices.value.length).toBeGreaterThan(3 * 4096);
    const replayed = machineOf({ cpuCount: 2, schedule: original.choiceString() });
    spawnWorkers(replayed, 1000);
    expect(replayed.run().ok).toBe(true);
    expect(replayed.choiceString()).toBe(original.choiceString());
    expect(replayed.read(0)).toBe(original.read(0));
  });

  test('steps on CPUs numbered past 127 beside low ones replay exactly from their choice list', () => {
    const spawnPair = (machine: Machine): void => {
      const cell = machine.alloc('ball', 1).base;
      for (const cpu of [3, 300]) {
        machine.spawn({ name: `cpu${cpu}`, cpu, bound: true, body: function* () { for (let i = 0; i < 3000; i++) yield store(cell, i); } });
      }
    };
    const original = machineOf({ cpuCount: 301, schedule: 'kms1:random:4' });
    spawnPair(original);
    const ran = original.run();
    if (!ran.ok) return expect.fail(ran.fault.message);
    const choices = listOf(original.choiceString());
    if (!choices.ok) return expect.fail(choices.message);
    expect(new Set(choices.value.map((choice) => choice.cpu))).toEqual(new Set([3, 300]));
    const replayed = machineOf({ cpuCount: 301, schedule: original.choiceString() });
    spawnPair(replayed);
    expect(replayed.run()).toMatchObject({ ok: true, steps: ran.steps, cycles: ran.cycles });
    expect(replayed.choiceString()).toBe(original.choiceString());
  });

  test('a machine rewound to a snapshot taken after thousands of choices keeps them, and records the next ones after them', () => {
    const machine = machineOf({ cpuCount: 2, schedule: 'kms1:random:5:irq=0.3:preempt=0.1', snapshots: true });
    spawnWorkers(machine, 700);
    expect(machine.run().ok).toBe(true);
    const snapshot = machine.snapshot();
    if (!snapshot.ok) return expect.fail(snapshot.message);
    const before = machine.choiceString();
    for (let again = 0; again < 2; again++) {
      machine.spawn({ name: 'more', body: function* () { for (let i = 0; i < 5000; i++) yield store(0, i); } });
      expect(machine.run().ok).toBe(true);
      const after = listOf(machine.choiceString());
      const kept = listOf(before);
      if (!after.ok || !kept.ok) return expect.fail('unparsable choice string');
      expect(after.value.length).toBeGreaterThan(kept.value.length + 5000);
      expect(after.value.slice(0, kept.value.length)).toEqual(kept.value);
      expect(machine.rewind(snapshot.value).ok).toBe(true);
      expect(machine.choiceString()).toBe(before);
    }
  });
});
