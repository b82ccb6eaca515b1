import { describe, expect, test } from 'vitest';
import { soundStrategies } from '@kmodsim/refcount';
import type { Result } from '@kmodsim/cpu';
import { formatProcModules, formatKernelTaint, moduleInfo } from '@kmodsim/module';
import { bootKernel, moduleLoad } from './kernel.js';

function resultText(result: Result<undefined> | undefined): string {
  if (result === undefined) return 'never returned';
  return result.ok ? 'ok' : result.errno;
}

describe.each(soundStrategies())('init_module and delete_module with $name', (strategy) => {
  test('a module loads, shows in /proc/modules, and unloads when unused', () => {
    const { machine, core } = bootKernel({ strategy });
    const results: Result<undefined>[] = [];
    let proc = '';
    machine.spawn({ name: 'insmod', body: function* (self) {
      results.push(yield* core.initModule(self, moduleLoad('demo')));
      proc = formatProcModules(core.list().map(moduleInfo));
      results.push(yield* core.deleteModule(self, 'demo', { nonblock: true, trunc: false }));
    } });
    const run = machine.run();
    if (!run.ok) expect.fail(run.fault.message);
    expect(results.map(resultText)).toEqual(['ok', 'ok']);
    expect(proc).toBe('demo 16384 0 - Live 0xffffffffc0000000\n');
    expect(core.list()).toEqual([]);
    expect(core.log.lines.map((line) => line.text)).toEqual(['demo: module loaded', 'demo: module unloaded']);
  });

  test('the kernel refuses, in 2.6.0 order: EPERM, ENOENT, EWOULDBLOCK for holders, EBUSY for a permanent module', () => {
    const { machine, core } = bootKernel({ strategy });
    const results: string[] = [];
    let proc = '';
    machine.spawn({ name: 'shell', body: function* (self) {
      results.push(resultText(yield* core.deleteModule(self, 'lib', { nonblock: true, trunc: false }, { capSysModule: false })));
      results.push(resultText(yield* core.deleteModule(self, 'lib', { nonblock: true, trunc: false })));
      yield* core.initModule(self, moduleLoad('lib', { exports: [{ name: 'lib_hello', gplOnly: false }] }));
      yield* core.initModule(self, moduleLoad('user', { imports: ['printk', 'lib_hello'] }));
      yield* core.initModule(self, moduleLoad('forever', { hasExit: false }));
      proc = formatProcModules(core.list().map(moduleInfo));
      results.push(resultText(yield* core.deleteModule(self, 'lib', { nonblock: true, trunc: false })));
      results.push(resultText(yield* core.deleteModule(self, 'forever', { nonblock: true, trunc: false })));
      results.push(resultText(yield* core.deleteModule(self, 'user', { nonblock: true, trunc: false })));
      results.push(resultText(yield* core.deleteModule(self, 'lib', { nonblock: true, trunc: false })));
    } });
    const run = machine.run();
    if (!run.ok) expect.fail(run.fault.message);
    expect(results).toEqual(['EPERM', 'ENOENT', 'EWOULDBLOCK', 'EBUSY', 'ok', 'ok']);
    expect(proc.split('\n')).toEqual([
      // 16 KiB of core and 4 KiB of init take five pages of the module mapping each.
      'forever 16384 0 [permanent], Live 0xffffffffc000a000',
      'user 16384 0 - Live 0xffffffffc0005000',
      'lib 16384 1 user, Live 0xffffffffc0000000',
      '',
    ]);
  });

  test('loading refuses duplicates (EEXIST) and unknown or GPL-only symbols for a non-GPL module (ENOENT)', () => {
    const { machine, core } = bootKernel({ strategy });
    const results: string[] = [];
    machine.spawn({ name: 'insmod', body: function* (self) {
      results.push(resultText(yield* core.initModule(self, moduleLoad('demo'))));
      results.push(resultText(yield* core.initModule(self, moduleLoad('demo'))));
      results.push(resultText(yield* core.initModule(self, moduleLoad('ghost', { imports: ['no_such_symbol'] }))));
      results.push(resultText(yield* core.initModule(self, moduleLoad('blob', { license: 'Proprietary', imports: ['kthread_create'] }))));
      results.push(resultText(yield* core.initModule(self, moduleLoad('blob2', { license: 'Proprietary' }))));
    } });
    const run = machine.run();
    if (!run.ok) expect.fail(run.fault.message);
    expect(results).toEqual(['ok', 'EEXIST', 'ENOENT', 'ENOENT', 'ok']);
    expect(core.log.lines.map((line) => line.text)).toContain('ghost: Unknown symbol no_such_symbol (err -2)');
    expect(core.log.lines.map((line) => line.text)).toContain("blob2: module license 'Proprietary' taints kernel.");
    expect(formatKernelTaint(core.taints)).toBe('Tainted: P                  ');
    expect(moduleInfo(core.find('blob2')!).taints).toBe('(P)');
  });
});

describe.each(soundStrategies())('refcount underflow with $name', (strategy) => {
  test('a put without a get is caught as it happens (or, where the count has a base to eat, at the next put)', () => {
    const { machine, core } = bootKernel({ strategy });
    machine.spawn({ name: 'buggy', body: function* (self) {
      yield* core.initModule(self, moduleLoad('demo'));
      const demo = core.find('demo');
      if (demo === undefined) return;
      yield* core.modulePut(self, demo);
      yield* core.modulePut(self, demo);
    } });
    const result = machine.run();
    // today's Linux (atomic-bias) cannot tell the first extra put from unload taking its base;
    // its module_put warns when there is nothing left to take.
    const expected = strategy.waitsForUsers === false
      ? 'WARNING: module_put: demo refcount would go below zero'
      : 'module_put: refcount of demo underflowed to -1';
    expect(result.ok ? '' : result.fault.message).toBe(expected);
  });
});
