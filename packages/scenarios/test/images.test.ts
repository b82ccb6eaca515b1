import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { createMachine, type Result } from '@kmodsim/cpu';
import { KernelSymbolTable, parseModuleSymvers, readModuleImage, type KernelConfig, type ModuleImage } from '@kmodsim/linker';
import { percpuStopMachine } from '@kmodsim/refcount';
import { ModuleCore, formatProcModules, moduleInfo } from '@kmodsim/module';
import { demoBehaviours } from '@kmodsim/module';
import { demoModuleLoads } from '../src/index.js';

// Real .ko files through init_module: the project's demo modules, built by gcc from its own C
// sources (packages/linker/fixtures/modules), linked by the in-kernel linker.

const fixtures = fileURLToPath(new URL('../../linker/fixtures/modules/', import.meta.url));
const EMBEDDED: KernelConfig = { vermagic: '6.1.0-kmodsim SMP preempt mod_unload modversions ', modversions: true, moduleSig: false, forceLoad: false };

function image(name: string): ModuleImage {
  const read = readModuleImage(`${name}.ko`, readFileSync(`${fixtures}${name}.ko`));
  if (!read.ok) expect.fail(read.message);
  return read.value;
}

function kernel() {
  const symvers = parseModuleSymvers('Module.symvers', readFileSync(`${fixtures}Module.symvers`, 'utf8'));
  if (!symvers.ok) expect.fail(symvers.message);
  const created = createMachine({ cpuCount: 2 });
  if (!created.ok) expect.fail(created.message);
  const machine = created.value;
  const core = new ModuleCore(machine, { strategy: percpuStopMachine, irqLines: 1, kernel: { symbols: KernelSymbolTable.fromVmlinux({ symvers: symvers.value }), config: EMBEDDED } });
  return { machine, core };
}

function text(result: Result<unknown>): string {
  return result.ok ? 'ok' : `${result.errno} ${result.message}`;
}

describe('init_module with real module images', () => {
  test('the demo modules load in dependency order and record who uses whom', () => {
    const { machine, core } = kernel();
    const results: string[] = [];
    machine.spawn({ name: 'insmod', body: function* (self) {
      for (const name of ['demo_chardev', 'demo_lib', 'demo_chardev', 'demo_irq', 'demo_fs']) {
        const behaviour = demoBehaviours[name];
        results.push(`${name} ${text(yield* core.insertImage(self, image(name), behaviour === undefined ? {} : { behaviour }))}`);
      }
    } });
    const run = machine.run();
    if (!run.ok) expect.fail(run.fault.message);
    // Before demo_lib is there, demo_chardev's imports from it are unknown symbols.
    expect(results[0]).toMatch(/^demo_chardev ENOENT .*Unknown symbol demo_lib_/);
    expect(results.slice(1)).toEqual(['demo_lib ok', 'demo_chardev ok', 'demo_irq ok', 'demo_fs ok']);
    expect(core.log.lines.map((line) => line.text)).toContain(results[0]?.slice('demo_chardev ENOENT '.length));
    const proc = formatProcModules(core.list().map(moduleInfo));
    expect(proc).toMatch(/^demo_lib 16384 2 demo_chardev,demo_irq, Live 0xffffffffc0\w+$/m);
    expect(proc).toMatch(/^demo_fs 12288 0 - Live /m);
  });

  test('the hand-written demo loads say exactly what linking the real objects says', () => {
    const { machine, core } = kernel();
    const loaded = new Map<string, ReturnType<typeof moduleInfo>>();
    machine.spawn({ name: 'insmod', body: function* (self) {
      for (const name of ['demo_lib', 'demo_chardev', 'demo_irq', 'demo_fs']) {
        yield* core.insertImage(self, image(name));
        const module = core.find(name);
        if (module !== undefined) loaded.set(name, moduleInfo(module));
        const real = module?.load;
        const written = demoModuleLoads[name];
        expect(real?.exports.map((exported) => [exported.name, exported.gplOnly])).toEqual(written?.exports.map((exported) => [exported.name, exported.gplOnly]));
        expect(real?.imports).toEqual(written?.imports);
        expect([real?.coreBytes, real?.initBytes, real?.license, real?.hasInit, real?.hasExit]).toEqual([written?.coreBytes, written?.initBytes, written?.license, written?.hasInit, written?.hasExit]);
      }
    } });
    const run = machine.run();
    if (!run.ok) expect.fail(run.fault.message);
    expect(loaded.size).toBe(4);
  });

  test('refusals come back as errno with the kernel\'s message in the log', () => {
    const { machine, core } = kernel();
    const results: string[] = [];
    machine.spawn({ name: 'insmod', body: function* (self) {
      for (const name of ['wrong_vermagic', 'unknown_symbol', 'demo_lib', 'stale_crc']) results.push(`${name} ${text(yield* core.insertImage(self, image(name)))}`);
    } });
    machine.run();
    expect(results[0]).toMatch(/^wrong_vermagic ENOEXEC wrong_vermagic: version magic '.*' should be '6.1.0-kmodsim SMP preempt mod_unload modversions '$/);
    expect(results[1]).toMatch(/^unknown_symbol ENOENT .*Unknown symbol .* \(err -2\)$/);
    expect(results[3]).toMatch(/^stale_crc (EINVAL|ENOEXEC) .*disagrees about version of symbol/);
    expect(core.list().map((module) => module.name)).toEqual(['demo_lib']);
  });
});
