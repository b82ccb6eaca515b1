import { describe, expect, test } from 'vitest';
import { bumpAllocator, linkModule, MODULES_VADDR, type KernelSymbolTable, type LinkedModule } from '@kmodsim/linker';
import { EMBEDDED_KERNEL, embeddedKernelSymbols, fixtureImage } from './fixtures.js';

function link(name: string, table: KernelSymbolTable, base = MODULES_VADDR) {
  return linkModule(fixtureImage(name), { resolver: table, kernel: EMBEDDED_KERNEL, memory: bumpAllocator(base) });
}

function linked(name: string, table: KernelSymbolTable, base?: bigint): LinkedModule {
  const result = link(name, table, base);
  if (!result.ok) throw new Error(`${name} refused: ${result.message}`);
  return result.value;
}

/** Loads demo_lib and publishes its exports, as the module core does after a successful load. */
function kernelWithDemoLib(): { table: KernelSymbolTable; lib: LinkedModule } {
  const table = embeddedKernelSymbols();
  const lib = linked('demo_lib', table);
  table.addModule('demo_lib', lib.exports.map((e) => ({ ...e, owner: 'demo_lib' })));
  return { table, lib };
}

describe('linking the demo modules', () => {
  test('demo_lib lays out text, rodata, ro_after_init and data in core, and its init apart', () => {
    const lib = linked('demo_lib', embeddedKernelSymbols());
    const regionOf = (name: string) => lib.sections.find((s) => s.name === name)?.region;
    expect(regionOf('.text')).toBe('text');
    expect(regionOf('.exit.text')).toBe('text');
    expect(regionOf('.init.text')).toBe('init_text');
    expect(regionOf('__ksymtab')).toBe('rodata');
    expect(regionOf('.data..ro_after_init')).toBe('ro_after_init');
    expect(regionOf('.gnu.linkonce.this_module')).toBe('data');
    expect(regionOf('.modinfo')).toBeUndefined();
    expect(regionOf('__versions')).toBeUndefined();
    const initText = lib.init.find((r) => r.name === 'init_text');
    expect(lib.initAddress).toBeDefined();
    expect(lib.initAddress! >= initText!.address && lib.initAddress! < initText!.address + BigInt(initText!.bytes)).toBe(true);
    expect(lib.coreBytes % 4096).toBe(0);
    expect(lib.taintLetters).toBe('');
  });

  test('demo_lib exports its four symbols at their final addresses, one of them GPL-only', () => {
    const lib = linked('demo_lib', embeddedKernelSymbols());
    const text = lib.sections.find((s) => s.name === '.text')!;
    expect(lib.exports.map((e) => [e.name, e.gplOnly, e.crc])).toEqual([
      ['demo_lib_counter_add', false, 0x1a2b3c4d],
      ['demo_lib_counter_read', false, 0x5e6f7081],
      ['demo_lib_notify', false, 0x92a3b4c5],
      ['demo_lib_gpl_trace', true, 0xd6e7f809],
    ]);
    for (const e of lib.exports) expect(e.address >= text.address && e.address < text.address + BigInt(text.bytes)).toBe(true);
  });

  test('demo_chardev and demo_irq resolve against demo_lib and record that they use it', () => {
    const { table, lib } = kernelWithDemoLib();
    for (const name of ['demo_chardev', 'demo_irq']) {
      const module = linked(name, table, MODULES_VADDR + 0x100000n);
      expect(module.uses).toEqual(['demo_lib']);
      const add = module.imports.find((i) => i.name === 'demo_lib_counter_add');
      expect(add).toEqual({ name: 'demo_lib_counter_add', address: lib.exports[0]!.address, owner: 'demo_lib', gplOnly: false });
      expect(module.imports.filter((i) => i.owner === 'vmlinux').length).toBeGreaterThan(0);
    }
  });

  test('demo_fs needs only the kernel', () => {
    const fs = linked('demo_fs', embeddedKernelSymbols());
    expect(fs.uses).toEqual([]);
    expect(fs.exitAddress).toBeDefined();
  });
});

describe('what the kernel refuses', () => {
  test('an unknown symbol: ENOENT and the kernel line for it', () => {
    const result = link('unknown_symbol', kernelWithDemoLib().table);
    expect(result).toMatchObject({ ok: false, errno: 'ENOENT', reason: 'unknown-symbol', message: 'unknown_symbol: Unknown symbol demo_lib_does_not_exist (err -2)' });
  });

  test('a GPL-only export from a proprietary module is not even visible', () => {
    const result = link('proprietary_gpl_user', kernelWithDemoLib().table);
    expect(result).toMatchObject({ ok: false, errno: 'ENOENT', reason: 'gpl-only-symbol', message: 'proprietary_gpl_user: Unknown symbol demo_lib_gpl_trace (err -2)' });
    expect(result.ok ? [] : result.kernelLog).toContain("proprietary_gpl_user: module license 'Proprietary' taints kernel.");
  });

  test('a CRC that disagrees with the exporter is EINVAL, with both kernel lines', () => {
    const result = link('stale_crc', kernelWithDemoLib().table);
    expect(result).toMatchObject({ ok: false, errno: 'EINVAL', reason: 'symbol-version' });
    expect(result.ok ? [] : result.kernelLog).toEqual(expect.arrayContaining([
      'stale_crc: disagrees about version of symbol demo_lib_counter_read',
      'stale_crc: Unknown symbol demo_lib_counter_read (err -22)',
    ]));
  });

  test('a vermagic for another kernel configuration is ENOEXEC', () => {
    const result = link('wrong_vermagic', embeddedKernelSymbols());
    expect(result).toMatchObject({
      ok: false,
      errno: 'ENOEXEC',
      reason: 'bad-vermagic',
      message: "wrong_vermagic: version magic '6.1.0-kmodsim SMP mod_unload modversions ' should be '6.1.0-kmodsim SMP preempt mod_unload modversions '",
    });
  });

  test('a proprietary licence loads but taints with P', () => {
    const module = linked('proprietary_user', kernelWithDemoLib().table);
    expect(module.taints).toEqual(['PROPRIETARY_MODULE']);
    expect(module.taintLetters).toBe('P');
  });

  test('a GPL module that uses a proprietary module\'s symbols after a GPL-only one is refused', () => {
    const table = embeddedKernelSymbols();
    const lib = linked('demo_lib', table);
    table.addModule('demo_lib', lib.exports.map((e) => ({ ...e, owner: 'demo_lib' })), true);
    const result = link('demo_irq', table);
    expect(result).toMatchObject({ ok: false, errno: 'ENOENT', reason: 'gpl-only-symbol' });
  });

  test('an absolute 32-bit relocation to a kernel-space address overflows, as -mcmodel=kernel objects must not use one', () => {
    const result = link('reloc_types', embeddedKernelSymbols());
    expect(result).toMatchObject({ ok: false, errno: 'ENOEXEC', reason: 'relocation' });
    expect(result.ok ? '' : result.message).toMatch(/^overflow in relocation type 10 val ffffffffc/);
  });
});
