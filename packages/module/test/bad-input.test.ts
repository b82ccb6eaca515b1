import { describe, expect, test } from 'vitest';
import { runScenario, schedule, setCurrentState, work, type ExecutionContext, type KernelCode, type Machine, type Result } from '@kmodsim/cpu';
import { percpuStopMachine, soundStrategies, type ModuleRefcount, type RefcountStrategy } from '@kmodsim/refcount';
import { ModuleCore, type KernelModule, type ModuleLoad } from '@kmodsim/module';
import { bootKernel, moduleLoad } from './kernel.js';

function text(result: Result<undefined>): string {
  return result.ok ? 'ok' : result.errno;
}

/** One insmod task on a fresh kernel with the strategy; the run's outcome. */
function runLoad(strategy: RefcountStrategy, load: ModuleLoad, after?: (core: ModuleCore, self: ExecutionContext) => KernelCode<void>) {
  const run = runScenario({
    name: 'bad-input',
    description: 'one insmod (and what follows it) on a fresh kernel',
    setup(machine: Machine) {
      const core = new ModuleCore(machine, { strategy, kernelSymbols: [{ name: 'printk', gplOnly: false }] });
      machine.spawn({ name: 'insmod', cpu: 0, body: function* (self) {
        const loaded = yield* core.initModule(self, load);
        if (loaded.ok && after !== undefined) yield* after(core, self);
      } });
      return undefined;
    },
  }, { cpuCount: 2, trace: true });
  if (!run.ok) expect.fail(run.message);
  return run.value;
}

describe.each(soundStrategies())('bad input to the module core with $name', (strategy) => {
  test('unknown names and a second unload give ENOENT; unloading a module still loading gives EBUSY', () => {
    const { machine, core } = bootKernel({ strategy });
    const results: string[] = [];
    let initRunning = false;
    let initMayEnd = false;
    const slowInit = function* () {
      initRunning = true;
      while (!initMayEnd) yield work(100, 'probe');
      return 0;
    };
    machine.spawn({ name: 'insmod', cpu: 0, body: function* (self) {
      results.push(`insmod ${text(yield* core.initModule(self, moduleLoad('slow', { behaviour: { init: slowInit } })))}`);
    } });
    machine.spawn({ name: 'rmmod', cpu: 1, body: function* (self) {
      results.push(`rmmod nothere ${text(yield* core.deleteModule(self, 'nothere', { nonblock: true, trunc: false }))}`);
      results.push(`rmmod "" ${text(yield* core.deleteModule(self, '', { nonblock: false, trunc: true }))}`);
      while (!initRunning) yield work(100);
      results.push(`rmmod while loading ${text(yield* core.deleteModule(self, 'slow', { nonblock: true, trunc: false }))}`);
      results.push(`rmmod --wait while loading ${text(yield* core.deleteModule(self, 'slow', { nonblock: false, trunc: false }))}`);
      initMayEnd = true;
      while (core.find('slow')?.state !== 0) yield work(100);
      results.push(`rmmod ${text(yield* core.deleteModule(self, 'slow', { nonblock: true, trunc: false }))}`);
      results.push(`rmmod again ${text(yield* core.deleteModule(self, 'slow', { nonblock: true, trunc: false }))}`);
    } });
    const run = machine.run();
    if (!run.ok) expect.fail(run.fault.message);
    expect(results).toEqual([
      'rmmod nothere ENOENT', 'rmmod "" ENOENT', 'rmmod while loading EBUSY', 'rmmod --wait while loading EBUSY', 'insmod ok', 'rmmod ok', 'rmmod again ENOENT',
    ]);
    expect(core.list()).toEqual([]);
  });

  // Without --wait (atomic-bias) no first unload waits; unload-protocol checks its refusal.
  test.skipIf(strategy.waitsForUsers === false)('a second unload while the first one waits for users gives EBUSY; the first still finishes', () => {
    const { machine, core } = bootKernel({ strategy });
    const results: string[] = [];
    let module: KernelModule | undefined;
    let userMayLeave = false;
    machine.spawn({ name: 'user', cpu: 0, body: function* (self) {
      results.push(`insmod ${text(yield* core.initModule(self, moduleLoad('busy')))}`);
      module = core.find('busy');
      if (module === undefined || !(yield* core.tryModuleGet(self, module))) return;
      while (!userMayLeave) yield work(200, 'using');
      yield* core.modulePut(self, module);
    } });
    machine.spawn({ name: 'rmmod-w', cpu: 1, body: function* (self) {
      while (module === undefined || module.refcount?.count() !== 1) yield work(100);
      results.push(`first rmmod --wait ${text(yield* core.deleteModule(self, 'busy', { nonblock: false, trunc: false }))}`);
    } });
    machine.spawn({ name: 'rmmod', cpu: 1, body: function* (self) {
      while (module?.waitingUnloader === undefined || module.waitingUnloader === 0) yield work(100);
      results.push(`second rmmod ${text(yield* core.deleteModule(self, 'busy', { nonblock: true, trunc: false }))}`);
      results.push(`second rmmod --wait ${text(yield* core.deleteModule(self, 'busy', { nonblock: false, trunc: false }))}`);
      userMayLeave = true;
    } });
    const run = machine.run();
    if (!run.ok) expect.fail(run.fault.message);
    expect(results).toEqual(['insmod ok', 'second rmmod EBUSY', 'second rmmod --wait EBUSY', 'first rmmod --wait ok']);
    expect(core.find('busy')).toBeUndefined();
  });

  test('a behaviour that throws becomes a fault with its trace, in init, in exit or in an exported function; the host goes on', () => {
    const inInit = runLoad(strategy, moduleLoad('bad', { behaviour: { *init() { yield work(1); throw new Error('probe exploded'); } } }));
    expect(inInit.fault?.kind).toBe('exception');
    expect(inInit.fault?.message).toContain('probe exploded');
    expect(inInit.fault?.trace.length).toBeGreaterThan(0);

    const inExit = runLoad(strategy, moduleLoad('bad', { behaviour: { *exit() { yield work(1); throw new Error('cleanup exploded'); } } }), function* (core, self) {
      yield* core.deleteModule(self, 'bad', { nonblock: true, trunc: false });
    });
    expect(inExit.fault).toMatchObject({ kind: 'exception', comm: 'insmod' });
    expect(inExit.fault?.message).toContain('cleanup exploded');
    expect(inExit.fault?.trace.some((event) => event.detail.includes('bad:cleanup_module'))).toBe(true);

    const inCall = runLoad(strategy, moduleLoad('bad', { behaviour: { functions: { *ioctl() { yield work(1); throw new RangeError('bad ioctl'); } } } }), function* (core, self) {
      const module = core.find('bad');
      if (module !== undefined && (yield* core.tryModuleGet(self, module))) yield* core.call(self, module, 'ioctl');
    });
    expect(inCall.fault?.kind).toBe('exception');
    expect(inCall.fault?.message).toContain('bad ioctl');
  });
});

/** A strategy that wraps a sound one and breaks one thing about it. */
function breaking(name: string, change: (refcount: ModuleRefcount) => Partial<Record<keyof ModuleRefcount, unknown>>): RefcountStrategy {
  return {
    name,
    description: `${percpuStopMachine.name} with one member broken`,
    attach: (environment) => {
      const inner = percpuStopMachine.attach(environment);
      return {
        *createModule(self, cells) {
          const refcount = yield* inner.createModule(self, cells);
          const replaced = change(refcount);
          const get = (target: ModuleRefcount, key: string | symbol): unknown =>
            typeof key === 'string' && key in replaced ? replaced[key as keyof ModuleRefcount] : Reflect.get(target, key, target);
          return new Proxy(refcount, { get });
        },
      };
    },
  };
}

describe('a strategy that breaks its contract', () => {
  test('is a fault naming the strategy and the problem, with the trace, not a host crash', () => {
    const cases: [RefcountStrategy, RegExp][] = [
      [{ name: 'empty', description: 'createModule returns an empty object', attach: () => ({ *createModule() { yield work(1); return {} as never; } }) },
        /refcount strategy empty broke its contract: createModule returned a module refcount without tryGet, get, put, count, stop, waitForZero, beforeFree, release/],
      [{ name: 'nothing', description: 'createModule returns nothing', attach: () => ({ *createModule() { yield work(1); return undefined as never; } }) },
        /refcount strategy nothing broke its contract: createModule returned undefined, not a module refcount/],
      [breaking('bad-stop', () => ({ *stop() { yield work(1); return { kind: 'maybe' }; } })),
        /refcount strategy bad-stop broke its contract: stop\(\) returned \{"kind":"maybe"\}, not \{ kind: 'busy' \| 'stopped', count \}/],
      [breaking('bad-get', () => ({ *tryGet() { yield work(1); return 1; } })),
        /refcount strategy bad-get broke its contract: tryGet\(\) returned 1, not true or false/],
    ];
    for (const [strategy, message] of cases) {
      const run = runLoad(strategy, moduleLoad('demo'), function* (core, self) {
        const module = core.find('demo');
        if (module !== undefined && (yield* core.tryModuleGet(self, module))) yield* core.modulePut(self, module);
        yield* core.deleteModule(self, 'demo', { nonblock: true, trunc: false });
      });
      expect(run.fault?.kind, strategy.name).toBe('assertion');
      expect(run.fault?.message, strategy.name).toMatch(message);
      expect(run.fault?.trace.length, strategy.name).toBeGreaterThan(0);
    }
  });

  test('one that throws, loses a reference or never wakes the unloader ends in an exception, an underflow or a sleep forever', () => {
    const throwing = runLoad(breaking('throwing-put', () => ({ *put() { yield work(1); throw new TypeError('put exploded'); } })), moduleLoad('demo'));
    expect(throwing.fault).toMatchObject({ kind: 'exception', comm: 'insmod' });
    expect(throwing.fault?.message).toContain('put exploded');

    const doublePut = runLoad(breaking('double-put', (inner) => ({ *put(self: ExecutionContext) { yield* inner.put(self); yield* inner.put(self); } })), moduleLoad('demo'));
    expect(doublePut.fault?.kind).toBe('assertion');
    expect(doublePut.fault?.message).toMatch(/module_put: refcount of demo underflowed to -1/);

    const neverWakes = runScenario({
      name: 'never-wakes',
      description: 'rmmod --wait with a strategy whose wait for zero goes back to sleep after the last put woke it',
      setup(machine: Machine) {
        const sleepy = breaking('sleepy', () => ({
          *waitForZero() {
            for (;;) {
              yield setCurrentState('TASK_UNINTERRUPTIBLE');
              yield schedule();
            }
          },
        }));
        const core = new ModuleCore(machine, { strategy: sleepy, kernelSymbols: [{ name: 'printk', gplOnly: false }] });
        let module: KernelModule | undefined;
        machine.spawn({ name: 'user', cpu: 1, body: function* (self) {
          yield* core.initModule(self, moduleLoad('demo'));
          module = core.find('demo');
          if (module === undefined || !(yield* core.tryModuleGet(self, module))) return;
          while (module.waitingUnloader === 0) yield work(100, 'using');
          yield* core.modulePut(self, module);
        } });
        machine.spawn({ name: 'rmmod', cpu: 0, body: function* (self) {
          while (module?.refcount?.count() !== 1) yield work(100);
          yield* core.deleteModule(self, 'demo', { nonblock: false, trunc: false });
        } });
        return undefined;
      },
    }, { cpuCount: 2 });
    if (!neverWakes.ok) expect.fail(neverWakes.message);
    expect(neverWakes.value.fault).toMatchObject({ kind: 'sleeps-forever', comm: 'rmmod' });
    expect(neverWakes.value.fault?.trace.length).toBeGreaterThan(0);
  });
});
