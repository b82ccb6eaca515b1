import { describe, expect, test } from 'vitest';
import { load, runScenario, work, type Machine, type Result, type Scenario } from '@kmodsim/cpu';
import { soundStrategies, type RefcountStrategy } from '@kmodsim/refcount';
import { ModuleCore, moduleInfo, type KernelModule, type ModuleContext } from '@kmodsim/module';
import { moduleLoad } from './kernel.js';

// The unload protocol every strategy must honour, run against each one in the registry.

function resultText(result: Result<undefined> | undefined): string {
  if (result === undefined) return 'never returned';
  return result.ok ? 'ok' : result.errno;
}

const KERNEL_SYMBOLS = [{ name: 'printk', gplOnly: false }];

function scenario(name: string, strategy: RefcountStrategy, forceUnload: boolean, body: (machine: Machine, core: ModuleCore, results: string[]) => void, expected: string[]): Scenario {
  return {
    name,
    description: name,
    setup(machine) {
      const core = new ModuleCore(machine, { strategy, forceUnload, kernelSymbols: KERNEL_SYMBOLS });
      const results: string[] = [];
      body(machine, core, results);
      return () => (results.join(' ') === expected.join(' ') ? undefined : `results were [${results.join(' ')}], expected [${expected.join(' ')}]`);
    },
  };
}

describe.each(soundStrategies())('unload protocol with $name', (strategy) => {
  // Designs without rmmod --wait (today's Linux) refuse a module in use instead of waiting: the
  // two --wait tests do not apply to them, and the runIf test below checks the refusal.
  const noWait = strategy.waitsForUsers === false;

  test.skipIf(noWait)('rmmod of a module in use fails with EWOULDBLOCK; --wait sleeps until the last user leaves', () => {
    const sc = scenario('wait', strategy, false, (machine, core, results) => {
      let module: KernelModule | undefined;
      let holding = 0;
      const holdingCell = machine.alloc('holding', 1).base;
      machine.spawn({ name: 'insmod', cpu: 0, body: function* (self) {
        results.push(resultText(yield* core.initModule(self, moduleLoad('demo'))));
        module = core.find('demo');
      } });
      machine.spawn({ name: 'cat', cpu: 1, body: function* (self) {
        while (module === undefined) yield work(100);
        if (!(yield* core.tryModuleGet(self, module))) return;
        holding = 1;
        yield work(1, 'mark');
        while ((yield load(holdingCell)) === 0) yield work(500, 'read');
        yield* core.modulePut(self, module);
        results.push('cat done');
      } });
      machine.spawn({ name: 'rmmod', cpu: 0, body: function* (self) {
        while (holding === 0) yield work(100);
        results.push(resultText(yield* core.deleteModule(self, 'demo', { nonblock: true, trunc: false })));
        results.push(`${moduleInfo(core.find('demo')!).state} ${core.find('demo')!.refcount!.count()}`);
        machine.write(holdingCell, 1);
        results.push(`wait ${resultText(yield* core.deleteModule(self, 'demo', { nonblock: false, trunc: false }))}`);
        results.push(core.find('demo') === undefined ? 'gone' : 'still there');
      } });
    }, ['ok', 'EWOULDBLOCK', 'Live 1', 'cat done', 'wait ok', 'gone']);
    for (let seed = 0; seed < 50; seed++) {
      const run = runScenario(sc, { cpuCount: 2, schedule: `kms1:random:${seed}` });
      if (!run.ok) expect.fail(run.message);
      expect(run.value.fault, `seed ${seed}: ${run.value.fault?.message ?? ''}`).toBeUndefined();
    }
  });

  test.runIf(noWait)('rmmod of a module in use fails with EWOULDBLOCK even with --wait, and succeeds once the user leaves', () => {
    const sc = scenario('no-wait', strategy, false, (machine, core, results) => {
      let module: KernelModule | undefined;
      const released = machine.alloc('released', 1).base;
      machine.spawn({ name: 'holder', cpu: 1, body: function* (self) {
        results.push(resultText(yield* core.initModule(self, moduleLoad('demo'))));
        module = core.find('demo');
        if (module === undefined || !(yield* core.tryModuleGet(self, module))) return;
        while ((yield load(released)) === 0) yield work(200);
        yield* core.modulePut(self, module);
        machine.write(released, 2);
      } });
      machine.spawn({ name: 'rmmod', cpu: 0, body: function* (self) {
        while (module === undefined || module.refcount?.count() !== 1) yield work(100);
        results.push(`wait ${resultText(yield* core.deleteModule(self, 'demo', { nonblock: false, trunc: false }))}`);
        results.push(`${moduleInfo(module).state} ${module.refcount.count()}`);
        machine.write(released, 1);
        while ((yield load(released)) !== 2) yield work(100);
        results.push(resultText(yield* core.deleteModule(self, 'demo', { nonblock: true, trunc: false })));
      } });
    }, ['ok', 'wait EWOULDBLOCK', 'Live 1', 'ok']);
    for (let seed = 0; seed < 30; seed++) {
      const run = runScenario(sc, { cpuCount: 2, schedule: `kms1:random:${seed}` });
      if (!run.ok) expect.fail(run.message);
      expect(run.value.fault, `seed ${seed}: ${run.value.fault?.message ?? ''}`).toBeUndefined();
    }
  });

  test.skipIf(noWait)('while rmmod --wait sleeps the module shows Unloading and new users are refused', () => {
    const sc = scenario('going', strategy, false, (machine, core, results) => {
      let module: KernelModule | undefined;
      let held = false;
      const release = machine.alloc('release', 1).base;
      machine.spawn({ name: 'holder', cpu: 1, body: function* (self) {
        results.push(resultText(yield* core.initModule(self, moduleLoad('demo'))));
        module = core.find('demo')!;
        held = yield* core.tryModuleGet(self, module);
        if (!held) {
          results.push('holder get failed');
          return;
        }
        while ((yield load(release)) === 0) yield work(200);
        yield* core.modulePut(self, module);
      } });
      machine.spawn({ name: 'rmmod', cpu: 0, body: function* (self) {
        while (!held) yield work(100);
        results.push(`wait ${resultText(yield* core.deleteModule(self, 'demo', { nonblock: false, trunc: false }))}`);
      } });
      machine.spawn({ name: 'late', cpu: 0, body: function* (self) {
        while (module === undefined || moduleInfo(module).state !== 'Unloading') yield work(300);
        results.push(`late get ${String(yield* core.tryModuleGet(self, module))}`);
        machine.write(release, 1);
      } });
    }, ['ok', 'late get false', 'wait ok']);
    const run = runScenario(sc, { cpuCount: 2 });
    if (!run.ok) expect.fail(run.message);
    expect(run.value.fault?.message).toBeUndefined();
  });

  test('forced unload is refused without forced-unload support, and with it the next call into the module oopses', () => {
    for (const forceUnload of [false, true]) {
      const sc = scenario('force', strategy, forceUnload, (machine, core, results) => {
        let module: KernelModule | undefined;
        let holding = false;
        const rmmodDone = machine.alloc('rmmod_done', 1).base;
        machine.spawn({ name: 'user', cpu: 1, body: function* (self) {
          results.push(resultText(yield* core.initModule(self, moduleLoad('demo'))));
          module = core.find('demo')!;
          yield* core.tryModuleGet(self, module);
          yield* core.call(self, module, 'open');
          holding = true;
          while ((yield load(rmmodDone)) === 0) yield work(500, 'read');
          yield* core.call(self, module, 'release');
          yield* core.modulePut(self, module);
          results.push('user done');
        } });
        machine.spawn({ name: 'rmmod', cpu: 0, body: function* (self) {
          while (!holding) yield work(100);
          results.push(`force ${resultText(yield* core.deleteModule(self, 'demo', { nonblock: true, trunc: true }))}`);
          machine.write(rmmodDone, 1);
        } });
      }, forceUnload ? ['ok', 'force ok'] : ['ok', 'force EWOULDBLOCK', 'user done']);
      const run = runScenario(sc, { cpuCount: 2 });
      if (!run.ok) expect.fail(run.message);
      if (forceUnload) {
        // The user's release() calls into the freed module text: the simulated oops.
        expect(run.value.fault?.kind).toBe('call-into-freed-code');
        expect(run.value.fault?.message).toContain('demo:release in demo.ko .text, which has been freed');
        expect(run.value.fault?.comm).toBe('user');
      } else {
        expect(run.value.fault).toBeUndefined();
      }
    }
  });

  test('a failing init returns its error and leaves nothing behind', () => {
    const sc = scenario('init-fails', strategy, false, (machine, core, results) => {
      machine.spawn({ name: 'insmod', body: function* (self) {
        const result = yield* core.initModule(self, moduleLoad('broken', { behaviour: { init: function* () { yield work(10); return -19; } } }));
        results.push(resultText(result));
        results.push(core.find('broken') === undefined ? 'gone' : 'still there');
        results.push(resultText(yield* core.initModule(self, moduleLoad('broken'))));
      } });
    }, ['ENODEV', 'gone', 'ok']);
    const run = runScenario(sc, { cpuCount: 2 });
    if (!run.ok) expect.fail(run.message);
    expect(run.value.fault?.message).toBeUndefined();
  });

  test('a COMING module cannot be got, unless it makes itself live during init', () => {
    for (const goesLive of [false, true]) {
      const sc = scenario('coming', strategy, false, (machine, core, results) => {
        core.registerNotifier(function* (self, event, module) {
          if (event === 'COMING') results.push(`notifier get ${String(yield* core.tryModuleGet(self, module))}`);
        });
        machine.spawn({ name: 'insmod', body: function* (self) {
          const behaviour = { init: function* (context: ModuleContext) {
            if (goesLive) {
              yield* context.module.goLive();
              results.push(`init get ${String(yield* core.tryModuleGet(self, core.find('demo')!))}`);
              yield* core.modulePut(self, core.find('demo')!);
            }
            return 0;
          } };
          results.push(resultText(yield* core.initModule(self, moduleLoad('demo', { behaviour }))));
        } });
      }, goesLive ? ['notifier get false', 'init get true', 'ok'] : ['notifier get false', 'ok']);
      const run = runScenario(sc, { cpuCount: 2 });
      if (!run.ok) expect.fail(run.message);
      expect(run.value.fault?.message).toBeUndefined();
    }
  });
});
