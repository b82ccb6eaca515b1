import { describe, expect, test } from 'vitest';
import {
  alloc, cpuRelax, createMachine, enterCode, exitCode, free, load, localAdd, MUTEX_CELLS, mutexAt, mutexLock, mutexUnlock, preemptDisable, preemptEnable,
  runScenario, schedule, setCurrentState, store, work, type ExecutionContext, type FaultKind, type KernelCode, type Machine, type Scenario,
} from '@kmodsim/cpu';

function scenarioOf(name: string, setup: (machine: Machine) => void): Scenario {
  return { name, description: name, setup: (machine) => { setup(machine); return undefined; } };
}

/** Runs a scenario untraced (as a search would) and returns its fault, which must carry a trace. */
function faultOf(scenario: Scenario, cpuCount = 1, schedule = 'kms1:rr', maxSteps?: number) {
  const run = runScenario(scenario, { cpuCount, schedule, ...(maxSteps === undefined ? {} : { maxSteps }) });
  if (!run.ok) expect.fail(run.message);
  const fault = run.value.fault;
  if (fault === undefined) expect.fail(`scenario ${scenario.name} ran without a fault`);
  expect(fault.trace.length, `trace of ${fault.kind}`).toBeGreaterThan(0);
  expect(fault.trace.at(-1)?.name).toBe('fault');
  expect(fault.choices).toMatch(/^kms1:list:/);
  return fault;
}

const cases: [FaultKind, Scenario, string][] = [
  ['use-after-free', scenarioOf('uaf', (machine) => {
    machine.spawn({ name: 'user', body: function* () {
      const object = yield alloc('struct foo', 2);
      yield free(object);
      yield load(object + 1);
    } });
  }), 'access to struct foo[1] after it was freed'],
  ['use-after-free', scenarioOf('uaf-named-field', (machine) => {
    machine.spawn({ name: 'user', body: function* () {
      const object = yield alloc('demo: struct module', 3, { fields: ['demo.state', 'demo.live', 'demo.waiter'] });
      yield free(object);
      yield load(object + 1);
    } });
  }), 'access to demo.live after it was freed'],
  ['use-after-free', scenarioOf('double-free', (machine) => {
    machine.spawn({ name: 'user', body: function* () {
      const object = yield alloc('struct foo', 1);
      yield free(object);
      yield free(object);
    } });
  }), 'double free'],
  ['call-into-freed-code', scenarioOf('call-freed', (machine) => {
    const text = machine.alloc('demo.ko .text', 4, { kind: 'code' }).base;
    machine.spawn({ name: 'caller', body: function* () {
      yield free(text);
      yield enterCode(text, 'demo_open');
    } });
  }), 'call to demo_open in demo.ko .text, which has been freed'],
  ['call-into-freed-code', scenarioOf('return-into-freed', (machine) => {
    const text = machine.alloc('demo.ko .text', 4, { kind: 'code' }).base;
    machine.spawn({ name: 'caller', body: function* () {
      yield enterCode(text, 'demo_release');
      yield free(text);
      yield exitCode();
    } });
  }), 'is executing demo_release in demo.ko .text, which has been freed'],
  ['invalid-access', scenarioOf('wild', (machine) => {
    machine.spawn({ name: 'wild', body: function* () { yield store(12345, 1); } });
  }), 'access to address 12345, which no allocation holds'],
  ['sleeps-forever', scenarioOf('sleep', (machine) => {
    machine.spawn({ name: 'sleeper', body: function* () { yield setCurrentState('TASK_UNINTERRUPTIBLE'); yield schedule(); } });
  }), 'sleeper-1 sleeps in TASK_UNINTERRUPTIBLE'],
  ['deadlock', scenarioOf('abba', (machine) => {
    const a = mutexAt(machine, 'A', machine.alloc('A', MUTEX_CELLS).base);
    const b = mutexAt(machine, 'B', machine.alloc('B', MUTEX_CELLS).base);
    const both = (first: typeof a, second: typeof a) => function* (self: ExecutionContext): KernelCode<void> {
      yield* mutexLock(first, self);
      yield work(100);
      yield* mutexLock(second, self);
      yield* mutexUnlock(second, self);
      yield* mutexUnlock(first, self);
    };
    machine.spawn({ name: 'ab', cpu: 0, body: both(a, b) });
    machine.spawn({ name: 'ba', cpu: 1, body: both(b, a) });
  }), 'no task can run: ab-1 (TASK_UNINTERRUPTIBLE), ba-2 (TASK_UNINTERRUPTIBLE) are all asleep'],
  ['step-limit', scenarioOf('spin', (machine) => {
    const flag = machine.alloc('never_set', 1).base;
    machine.spawn({ name: 'spinner', body: function* () { while ((yield load(flag)) === 0) yield cpuRelax(); } });
  }), 'no end after 1000 steps'],
  ['invalid-op', scenarioOf('atomic-sleep', (machine) => {
    machine.spawn({ name: 'atomic', body: function* () { yield preemptDisable(); yield schedule(); } });
  }), 'BUG: scheduling while atomic'],
  ['invalid-op', scenarioOf('unbalanced', (machine) => {
    machine.spawn({ name: 'unbalanced', body: function* () { yield preemptEnable(); } });
  }), 'preempt count underflow'],
  ['invalid-op', scenarioOf('leak', (machine) => {
    machine.spawn({ name: 'leaky', body: function* () { yield preemptDisable(); } });
  }), 'leaky-1 exited with preempt count 1'],
  ['exception', scenarioOf('throws', (machine) => {
    machine.spawn({ name: 'thrower', body: function* () { yield work(1); throw new Error('boom'); } });
  }), 'thrower-1 threw: boom'],
];

describe('faults', () => {
  test.each(cases)('%s is detected and carries its trace (%#)', (kind, scenario, message) => {
    const fault = faultOf(scenario, 2, 'kms1:rr', 1000);
    expect(fault.kind).toBe(kind);
    expect(fault.message).toContain(message);
  });

  test('local_add from a CPU other than the one that updates the local_t is reported; its own interrupts may update it', () => {
    const shared = scenarioOf('local-add-from-two-cpus', (machine) => {
      const counter = machine.alloc('events', 1).base;
      for (const cpu of [0, 1]) machine.spawn({ name: `adder${cpu}`, cpu, bound: true, body: function* () { yield localAdd(counter, 1); } });
    });
    const fault = faultOf(shared, 2);
    expect(fault.kind).toBe('invalid-op');
    expect(fault.message).toMatch(/^local_add on events from CPU [01], which CPU [01] updates: a local_t is atomic only against its own CPU's interrupts/);
    let counter = -1;
    const ownIrq = scenarioOf('local-add-with-own-interrupt', (machine) => {
      counter = machine.alloc('events', 1).base;
      machine.spawn({ name: 'adder', cpu: 0, bound: true, body: function* () { yield localAdd(counter, 1); yield work(20); yield localAdd(counter, 1); } });
      machine.addIrqSource({ name: 'tick', cpus: [0], limit: 1, handler: function* () { yield localAdd(counter, 1); } });
    });
    // The interrupt arrives between the task's two adds.
    const run = runScenario(ownIrq, { cpuCount: 2, schedule: 'kms1:list:0*2,i0.0,0*4' });
    if (!run.ok) expect.fail(run.message);
    expect(run.value.fault).toBeUndefined();
    expect(run.value.machine.read(counter)).toBe(3);
  });

  test('a scenario whose setup throws becomes a fault, and the host goes on', () => {
    const run = runScenario(scenarioOf('bad-setup', () => { throw new TypeError('no such device'); }), { cpuCount: 1 });
    if (!run.ok) expect.fail(run.message);
    expect(run.value.fault?.kind).toBe('exception');
    expect(run.value.fault?.message).toBe('scenario bad-setup failed to set up: no such device');
  });

  test('a failed final check is an assertion fault with the whole run as its trace', () => {
    const run = runScenario(
      { name: 'check', description: 'final check', setup(machine) {
        machine.spawn({ name: 'noop', body: function* () { yield work(1); } });
        return () => 'the invariant does not hold';
      } },
      { cpuCount: 1 },
    );
    if (!run.ok) expect.fail(run.message);
    expect(run.value.fault?.kind).toBe('assertion');
    expect(run.value.fault?.trace.map((event) => event.name)).toEqual(['sched_switch', 'work', 'sched_process_exit', 'fault']);
  });

  test('a yielded value that is not an operation is a fault, not a crash', () => {
    const run = runScenario(scenarioOf('garbage', (machine) => {
      machine.spawn({ name: 'garbage', body: function* () { yield { code: 99 } as never; } });
    }), { cpuCount: 1 });
    if (!run.ok) expect.fail(run.message);
    expect(run.value.fault?.kind).toBe('invalid-op');
    expect(run.value.fault?.message).toContain('is not an operation');
  });
});

describe('the oops policy', () => {
  test('a faulting task is killed and the rest of the machine goes on, as after a kernel oops', () => {
    const created = createMachine({ cpuCount: 2, faultPolicy: 'oops' });
    if (!created.ok) expect.fail(created.message);
    const machine = created.value;
    const text = machine.alloc('mod.ko .text', 4, { kind: 'code' }).base;
    const done = machine.alloc('done', 1).base;
    machine.spawn({ name: 'victim', cpu: 0, body: function* () {
      yield preemptDisable();
      yield free(text);
      yield enterCode(text, 'demo_read');
      yield store(done, 99);
    } });
    machine.spawn({ name: 'bystander', cpu: 1, body: function* () { yield work(10); yield store(done, 1); } });
    const result = machine.run();
    if (!result.ok) expect.fail(result.fault.message);
    expect(machine.oopses.map((oops) => `${oops.comm}: ${oops.kind}`)).toEqual(['victim: call-into-freed-code']);
    expect(machine.read(done)).toBe(1);
    expect(machine.task(1)?.state).toBe('TASK_DEAD');
  });

  test('the policy can change between runs: set up under stop, then after setFaultPolicy(\'oops\') a fault only kills its task', () => {
    const created = createMachine({ cpuCount: 1 });
    if (!created.ok) expect.fail(created.message);
    const machine = created.value;
    const object = machine.alloc('object', 1).base;
    machine.spawn({ name: 'setup', body: function* () { yield store(object, 1); } });
    expect(machine.run().ok).toBe(true);
    machine.setFaultPolicy('oops');
    const done = machine.alloc('done', 1).base;
    machine.spawn({ name: 'victim', body: function* () { yield free(object); yield load(object); } });
    machine.spawn({ name: 'after', body: function* () { yield store(done, 1); } });
    expect(machine.run().ok).toBe(true);
    expect(machine.oopses.map((oops) => `${oops.comm}: ${oops.kind}`)).toEqual(['victim: use-after-free']);
    expect(machine.read(done)).toBe(1);
  });
});
