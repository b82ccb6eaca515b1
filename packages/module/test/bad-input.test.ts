import { describe, expect, test } from 'vitest';
import { runScenario, work, type Machine } from '@kmodsim/cpu';
import type { RefcountStrategy } from '@kmodsim/refcount';
import { ModuleCore, type SyscallResult } from '@kmodsim/module';
import { bootKernel, moduleLoad } from './kernel.js';

function text(result: SyscallResult): string {
  return result.ok ? 'ok' : result.errno;
}

describe('bad input to the module core', () => {
  test('unknown names and a second unload give ENOENT; unloading a module still loading gives EBUSY', () => {
    const { machine, core } = bootKernel();
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
      while (!initRunning) yield work(100);
      results.push(`rmmod while loading ${text(yield* core.deleteModule(self, 'slow', { nonblock: true, trunc: false }))}`);
      initMayEnd = true;
      while (core.find('slow')?.state !== 0) yield work(100);
      results.push(`rmmod ${text(yield* core.deleteModule(self, 'slow', { nonblock: true, trunc: false }))}`);
      results.push(`rmmod again ${text(yield* core.deleteModule(self, 'slow', { nonblock: true, trunc: false }))}`);
    } });
    const run = machine.run();
    if (!run.ok) expect.fail(run.fault.message);
    expect(results).toEqual(['rmmod nothere ENOENT', 'rmmod while loading EBUSY', 'insmod ok', 'rmmod ok', 'rmmod again ENOENT']);
  });

  test('a behaviour that throws becomes a fault with its trace; the host goes on', () => {
    const run = runScenario({
      name: 'throwing-init',
      description: 'an init that throws',
      setup(machine: Machine) {
        const core = new ModuleCore(machine, { strategy: bootKernel().core.strategy, kernelSymbols: [{ name: 'printk', gplOnly: false }] });
        machine.spawn({ name: 'insmod', body: function* (self) {
          yield* core.initModule(self, moduleLoad('bad', { behaviour: { *init() { yield work(1); throw new Error('probe exploded'); } } }));
        } });
        return undefined;
      },
    }, { cpuCount: 1 });
    if (!run.ok) expect.fail(run.error.message);
    expect(run.value.fault?.kind).toBe('exception');
    expect(run.value.fault?.message).toContain('probe exploded');
    expect(run.value.fault?.trace.length).toBeGreaterThan(0);
  });

  test('a strategy that breaks its contract is a fault naming the problem, not a host crash', () => {
    const broken: RefcountStrategy = {
      name: 'broken',
      description: 'createModule returns nothing usable',
      attach: () => ({
        *createModule() {
          yield work(1);
          return {} as never;
        },
      }),
    };
    const run = runScenario({
      name: 'broken-strategy',
      description: 'a strategy without members',
      setup(machine: Machine) {
        const core = new ModuleCore(machine, { strategy: broken, kernelSymbols: [{ name: 'printk', gplOnly: false }] });
        machine.spawn({ name: 'insmod', body: function* (self) { yield* core.initModule(self, moduleLoad('demo')); } });
        return undefined;
      },
    }, { cpuCount: 1 });
    if (!run.ok) expect.fail(run.error.message);
    expect(run.value.fault?.kind).toBe('exception');
    expect(run.value.fault?.message).toMatch(/insmod-1 threw: .*(not a function|is not iterable|undefined)/);
  });
});
