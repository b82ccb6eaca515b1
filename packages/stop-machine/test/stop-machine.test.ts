import { describe, expect, it } from 'vitest';
import { load, note, preemptDisable, store, work, type KernelCode, type Machine, type TraceEvent } from '@kmodsim/cpu';
import { createStopMachine, STOP_MACHINE_VARIANTS, type StopMachine, type StopMachineVariant } from '@kmodsim/stop-machine';
import { tracedMachine } from './helpers.js';

const EBUSY = -16;
const STOPPER_NAME = /^(migration|stopref)\//;

/** A normal task on every CPU that keeps loading and storing its own line, so there is always something a stop must hold back. */
function busyEverywhere(machine: Machine, rounds: number): void {
  for (let cpu = 0; cpu < machine.cpuCount; cpu++) {
    const cell = machine.alloc(`busy${cpu}`, 1, { lineAligned: true }).base;
    machine.spawn({ name: `busy/${cpu}`, cpu, body: function* () {
      for (let round = 0; round < rounds; round++) yield store(cell, (yield load(cell)) + 1);
    } });
  }
}

function interruptsEverywhere(machine: Machine): void {
  const cell = machine.alloc('irq_count', 1, { lineAligned: true }).base;
  machine.addIrqSource({ name: 'timer', handler: function* () {
    yield store(cell, (yield load(cell)) + 1);
  } });
}

/** Events strictly between the notes `fn begin` and `fn end` of one call. */
function duringFn(events: readonly TraceEvent[]): { before: readonly TraceEvent[]; inside: readonly TraceEvent[] } {
  const begin = events.findIndex((event) => event.detail.includes('fn begin'));
  const end = events.findIndex((event, index) => index > begin && event.detail.includes('fn end'));
  expect(begin).toBeGreaterThanOrEqual(0);
  expect(end).toBeGreaterThan(begin);
  return { before: events.slice(0, begin), inside: events.slice(begin + 1, end) };
}

function runStopped(variant: StopMachineVariant, cpuCount: number, seed: number): { machine: Machine; events: readonly TraceEvent[]; stop: StopMachine; fnCpu: number } {
  const { machine, trace } = tracedMachine({ cpuCount, schedule: `kms1:random:${seed}:irq=0.2` });
  const stop = createStopMachine(machine, { variant });
  busyEverywhere(machine, 12);
  interruptsEverywhere(machine);
  let fnCpu = -1;
  machine.spawn({ name: 'caller', cpu: cpuCount - 1, body: function* (self) {
    yield work(10);
    const result = yield* stop.run(self, function* (inside): KernelCode<number> {
      fnCpu = inside.cpu;
      yield note('fn begin');
      yield work(50, 'fn');
      yield note('fn end');
      return 0;
    });
    expect(result).toBe(0);
  } });
  const run = machine.run();
  if (!run.ok) expect.fail(`${variant} seed ${seed}: ${run.fault.message} (replay: ${run.fault.schedule})`);
  return { machine, events: trace.events, stop, fnCpu };
}

describe.each(STOP_MACHINE_VARIANTS)('stop_machine (%s)', (variant) => {
  it('runs fn while every other CPU spins in its stopper with interrupts off, under random schedules with interrupts', () => {
    for (let seed = 1; seed <= 120; seed++) {
      const { machine, events, fnCpu } = runStopped(variant, 4, seed);
      const { before, inside } = duringFn(events);
      const intruders = inside.filter((event) => event.cpu !== fnCpu && !STOPPER_NAME.test(event.comm));
      expect(intruders, `seed ${seed}: steps by others while fn ran`).toEqual([]);
      expect(inside.filter((event) => !event.flags.startsWith('d')), `seed ${seed}: steps with interrupts on`).toEqual([]);
      for (let cpu = 0; cpu < machine.cpuCount; cpu++) {
        if (cpu === fnCpu) continue;
        const last = [...before].reverse().find((event) => event.cpu === cpu);
        expect(last?.comm, `seed ${seed}: CPU ${cpu} when fn began`).toMatch(STOPPER_NAME);
        expect(last?.flags.startsWith('d'), `seed ${seed}: CPU ${cpu} interrupts when fn began`).toBe(true);
      }
    }
  });

  it("returns fn's result to the caller", () => {
    const { machine } = tracedMachine({ cpuCount: 3, schedule: 'kms1:rr' });
    const stop = createStopMachine(machine, { variant });
    let returned = 0;
    machine.spawn({ name: 'caller', cpu: 1, body: function* (self) {
      returned = yield* stop.run(self, function* () {
        yield work(1);
        return EBUSY;
      });
    } });
    expect(machine.run().ok).toBe(true);
    expect(returned).toBe(EBUSY);
    expect(stop.lastRound?.result).toBe(EBUSY);
  });

  it('serializes concurrent callers: no two fns ever run at once, and each caller gets its own result', () => {
    for (let seed = 1; seed <= 80; seed++) {
      const { machine } = tracedMachine({ cpuCount: 3, schedule: `kms1:random:${seed}` });
      const stop = createStopMachine(machine, { variant });
      const inside = machine.alloc('inside', 1, { lineAligned: true }).base;
      const results: number[] = [];
      for (const [cpu, value] of [[0, -1], [1, -2], [2, -3]] as const) {
        machine.spawn({ name: `caller${cpu}`, cpu, body: function* (self) {
          const result = yield* stop.run(self, function* () {
            if ((yield load(inside)) !== 0) throw new Error('two stop_machine fns overlap');
            yield store(inside, 1);
            yield work(20);
            yield store(inside, 0);
            return value;
          });
          results[cpu] = result;
        } });
      }
      const run = machine.run();
      if (!run.ok) expect.fail(`seed ${seed}: ${run.fault.message} (replay: ${run.fault.schedule})`);
      expect(results, `seed ${seed}`).toEqual([-1, -2, -3]);
    }
  });

  it('holds every CPU for some time and reports it, with the call longer than any hold', () => {
    const { machine, stop } = runStopped(variant, 8, 7);
    const round = stop.lastRound;
    expect(round).toBeDefined();
    if (round === undefined) return;
    const others = round.stoppedCycles.filter((_, cpu) => !round.fnCpus.includes(cpu) || variant === 'cpu-stop');
    expect(others).toHaveLength(variant === 'cpu-stop' ? machine.cpuCount : machine.cpuCount - 1);
    for (const cycles of others) expect(cycles).toBeGreaterThan(0);
    expect(round.callCycles).toBeGreaterThan(Math.max(...round.stoppedCycles));
  });

  it('is refused from interrupt context, as might_sleep() would warn, with the trace', () => {
    const { machine } = tracedMachine({ cpuCount: 2, schedule: 'kms1:random:3:irq=0.5' });
    const stop = createStopMachine(machine, { variant });
    machine.addIrqSource({ name: 'bad_irq', cpus: [1], limit: 1, handler: function* (self) {
      yield* stop.run(self, function* () {
        return 0;
      });
    } });
    machine.spawn({ name: 'victim', cpu: 1, bound: true, body: function* () {
      for (let i = 0; i < 50; i++) yield work(1);
    } });
    const run = machine.run();
    expect(run.ok).toBe(false);
    if (run.ok) return;
    expect(run.fault.kind).toBe('assertion');
    expect(run.fault.message).toMatch(/^BUG: sleeping function called from invalid context at .*interrupt context/);
    expect(run.fault.message).toContain('in_atomic(): 1, irqs_disabled(): 1');
    expect(run.fault.trace.some((event) => event.name === 'irq_handler_entry')).toBe(true);
  });

  it('is refused with preemption off', () => {
    const { machine } = tracedMachine({ cpuCount: 2, schedule: 'kms1:rr' });
    const stop = createStopMachine(machine, { variant });
    machine.spawn({ name: 'atomic_caller', cpu: 0, body: function* (self) {
      yield preemptDisable();
      yield* stop.run(self, function* () {
        return 0;
      });
    } });
    const run = machine.run();
    expect(run.ok).toBe(false);
    if (!run.ok) expect(run.fault.message).toMatch(/in_atomic\(\): 1, irqs_disabled\(\): 0, pid: \d+, name: atomic_caller$/);
  });

  it('can be called again and again: the machine goes on afterwards', () => {
    const { machine } = tracedMachine({ cpuCount: 4, schedule: 'kms1:random:11' });
    const stop = createStopMachine(machine, { variant });
    let calls = 0;
    machine.spawn({ name: 'caller', cpu: 2, body: function* (self) {
      for (let i = 0; i < 5; i++) {
        yield* stop.run(self, function* () {
          calls++;
          yield work(1);
          return 0;
        });
      }
    } });
    busyEverywhere(machine, 30);
    expect(machine.run().ok).toBe(true);
    expect(calls).toBe(5);
  });
});

describe('stop_machine (cpu-stop) with a cpumask', () => {
  it('runs fn on each CPU named, and only there', () => {
    const { machine } = tracedMachine({ cpuCount: 4, schedule: 'kms1:random:5' });
    const stop = createStopMachine(machine);
    const ran: number[] = [];
    machine.spawn({ name: 'caller', cpu: 0, body: function* (self) {
      yield* stop.run(self, function* (inside) {
        ran.push(inside.cpu);
        yield work(1);
        return 0;
      }, [1, 3]);
    } });
    expect(machine.run().ok).toBe(true);
    expect(ran.sort()).toEqual([1, 3]);
    expect(stop.lastRound?.fnCpus.slice().sort()).toEqual([1, 3]);
  });

  it('refuses a mask naming a CPU the machine lacks', () => {
    const { machine } = tracedMachine({ cpuCount: 2, schedule: 'kms1:rr' });
    const stop = createStopMachine(machine);
    machine.spawn({ name: 'caller', cpu: 0, body: function* (self) {
      yield* stop.run(self, function* () {
        return 0;
      }, [5]);
    } });
    const run = machine.run();
    expect(run.ok).toBe(false);
    if (!run.ok) expect(run.fault.message).toContain('stop_machine: CPU 5 is not online (the machine has CPUs 0-1)');
  });
});
