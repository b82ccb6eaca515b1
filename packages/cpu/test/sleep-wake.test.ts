import { describe, expect, test } from 'vitest';
import {
  load, runScenario, schedule, scheduleTimeout, setCurrentState, store, wakeUpProcess,
  type KernelCode, type Machine, type Scenario,
} from '@kmodsim/cpu';
import { machineOf } from './helpers.js';

// The classic wait loop of the seed's unloader: a waiter sleeps until a flag is set, a waker sets
// the flag and wakes it. Linux's order (set state, then test, then schedule) never loses the
// wakeup; testing before setting the state loses it when the waker runs in between.

function waitScenario(order: 'linux' | 'check-then-set'): Scenario {
  return {
    name: `wait-${order}`,
    description: 'a task waits for a flag that another task sets and then wakes it',
    setup(machine: Machine) {
      const flag = machine.alloc('done', 1).base;
      const waiterPid = machine.spawn({
        name: 'waiter',
        cpu: 0,
        bound: true,
        body: function* (): KernelCode<void> {
          if (order === 'linux') {
            while (true) {
              yield setCurrentState('TASK_UNINTERRUPTIBLE');
              if ((yield load(flag)) === 1) break;
              yield schedule();
            }
          } else {
            while ((yield load(flag)) !== 1) {
              yield setCurrentState('TASK_UNINTERRUPTIBLE');
              yield schedule();
            }
          }
          yield setCurrentState('TASK_RUNNING');
        },
      });
      machine.spawn({
        name: 'waker',
        cpu: 1,
        bound: true,
        body: function* () {
          yield store(flag, 1);
          yield wakeUpProcess(waiterPid);
        },
      });
      return undefined;
    },
  };
}

/** Forces the waker to run completely between the waiter's test and its sleep, then lets both finish. */
function racingSchedule(order: 'linux' | 'check-then-set'): string {
  // Each CPU's first step switches its task in. The waiter then performs its state change and its
  // test of the flag (or only the test), the waker sets the flag, wakes and exits, and the waiter goes on.
  return order === 'linux' ? 'kms1:list:0,0,0,1,1,1,1,0*5' : 'kms1:list:0,0,1,1,1,1,0,0';
}

describe('sleep and wake', () => {
  test("Linux's order does not lose a wake that lands between set_current_state() and schedule()", () => {
    const run = runScenario(waitScenario('linux'), { cpuCount: 2, schedule: racingSchedule('linux') });
    if (!run.ok) expect.fail(run.message);
    expect(run.value.fault).toBeUndefined();
    expect(run.value.machine.taskList().every((task) => task.state === 'TASK_DEAD')).toBe(true);
  });

  test('testing the condition before setting the state loses the wakeup: the task sleeps forever', () => {
    const run = runScenario(waitScenario('check-then-set'), { cpuCount: 2, schedule: racingSchedule('check-then-set') });
    if (!run.ok) expect.fail(run.message);
    const fault = run.value.fault;
    expect(fault?.kind).toBe('sleeps-forever');
    expect(fault?.message).toContain('waiter-1 sleeps in TASK_UNINTERRUPTIBLE');
    expect(fault?.trace.some((event) => event.name === 'sched_wakeup')).toBe(false);
    expect(fault?.trace.at(-1)?.name).toBe('fault');
  });

  test('under many random schedules only the wrong order ever loses a wakeup', () => {
    let lost = 0;
    for (let seed = 0; seed < 300; seed++) {
      const good = runScenario(waitScenario('linux'), { cpuCount: 2, schedule: `kms1:random:${seed}` });
      if (!good.ok) expect.fail(good.message);
      expect(good.value.fault, `seed ${seed}`).toBeUndefined();
      const bad = runScenario(waitScenario('check-then-set'), { cpuCount: 2, schedule: `kms1:random:${seed}` });
      if (!bad.ok) expect.fail(bad.message);
      if (bad.value.fault?.kind === 'sleeps-forever') lost++;
    }
    expect(lost).toBeGreaterThan(0);
  });

  test('schedule_timeout() wakes the sleeper when its time is up and reports no time left', () => {
    const run = runScenario(
      {
        name: 'timeout',
        description: 'a task sleeps with a timeout nobody cuts short',
        setup(machine) {
          const left = machine.alloc('left', 1).base;
          machine.spawn({
            name: 'sleeper',
            body: function* () {
              yield setCurrentState('TASK_INTERRUPTIBLE');
              const remaining = yield scheduleTimeout(50_000);
              yield store(left, remaining + 1);
            },
          });
          return (m) => (m.read(left) === 1 ? undefined : `expected 0 cycles left, got ${m.read(left) - 1}`);
        },
      },
      { cpuCount: 1 },
    );
    if (!run.ok) expect.fail(run.message);
    expect(run.value.fault).toBeUndefined();
    expect(run.value.cycles).toBeGreaterThanOrEqual(50_000);
  });
});

describe('wakeEffect: what a wake would do, for a model checker', () => {
  test('names the run queue a sleeping task would join, whether idle CPUs decided it, and nothing for a task not asleep', () => {
    const machine = machineOf({ cpuCount: 3, schedule: 'kms1:rr' });
    const sleep = function* (): KernelCode<void> {
      yield setCurrentState('TASK_UNINTERRUPTIBLE');
      yield schedule();
    };
    const bound = machine.spawn({ name: 'bound', cpu: 2, bound: true, body: sleep });
    const free = machine.spawn({ name: 'free', cpu: 1, body: sleep });
    const cell = machine.alloc('spin', 1).base;
    const busy = machine.spawn({ name: 'busy', cpu: 0, bound: true, body: function* () { for (;;) yield load(cell); } });
    const asleep = (pid: number): boolean => machine.task(pid)?.state === 'TASK_UNINTERRUPTIBLE' && machine.task(pid)?.onCpu === false;
    for (let step = 0; step < 100 && !(asleep(bound) && asleep(free)); step++) {
      const steps = machine.enabledChoices().filter((choice) => choice.kind === 'step');
      machine.perform(steps[step % steps.length]!);
    }
    expect(machine.fault).toBeUndefined();
    expect(asleep(bound) && asleep(free)).toBe(true);
    expect(machine.wakeEffect(bound)).toEqual({ runQueue: 2, readsIdleCpus: false, cancelsTimer: false });
    // CPU 1, where it slept, is idle: it goes back there, a choice made by looking at idle CPUs.
    expect(machine.wakeEffect(free)).toEqual({ runQueue: 1, readsIdleCpus: true, cancelsTimer: false });
    expect(machine.wakeEffect(busy)).toEqual({ runQueue: -1, readsIdleCpus: false, cancelsTimer: false });
    expect(machine.wakeEffect(99)).toBeUndefined();
  });

  test('names the task a step\'s timer wake woke, for that step only', () => {
    const machine = machineOf({ cpuCount: 2, schedule: 'kms1:rr' });
    const sleeper = machine.spawn({ name: 'sleeper', cpu: 0, bound: true, body: function* (): KernelCode<void> {
      yield setCurrentState('TASK_INTERRUPTIBLE');
      yield scheduleTimeout(100);
    } });
    const cell = machine.alloc('own', 1).base;
    machine.spawn({ name: 'reader', cpu: 1, bound: true, body: function* () { for (let index = 0; index < 50; index++) yield load(cell); } });
    const firing: number[][] = [];
    for (let step = 0; step < 200 && machine.status === 'running'; step++) {
      const choices = machine.enabledChoices();
      // The sleeper goes to sleep first; then only the reader's CPU steps, and its clock fires the timer.
      const choice = choices.find((candidate) => candidate.cpu === 0) ?? choices[0];
      if (choice === undefined) { machine.advanceIdle(); continue; }
      machine.perform(choice);
      if (machine.timerWakesOfLastChoice.length > 0) firing.push([choice.cpu, ...machine.timerWakesOfLastChoice]);
    }
    expect(machine.fault).toBeUndefined();
    expect(firing).toEqual([[1, sleeper]]);
  });
});
