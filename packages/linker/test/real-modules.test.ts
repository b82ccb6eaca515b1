import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import { skipWithout } from '@kmodsim/vitest-config/real-data';
import { readModuleImage } from '@kmodsim/linker';
import { findKernelTree } from './kernel-tree.js';
import { fixtureBytes } from './fixtures.js';

const tree = findKernelTree();

describe.skipIf(skipWithout('the Debian kernel tree (bash scripts/fetch-kernel-tree.sh)', tree !== undefined))('real Debian modules', () => {
  const moduleDir = tree?.moduleDir ?? '';
  const jbd2 = `${moduleDir}/kernel/fs/jbd2/jbd2.ko`;

  const files = tree === undefined ? [] : execFileSync('find', [moduleDir, '-name', '*.ko']).toString().trim().split('\n').sort();
  /** The tree in slices of a thousand modules, a test each, so that no one test reads them all. */
  const SLICE = 1000;
  const slices = Array.from({ length: Math.ceil(files.length / SLICE) }, (_, index) => [index * SLICE + 1, Math.min((index + 1) * SLICE, files.length)] as const);

  test('the tree holds the whole distribution\'s modules', () => {
    expect(files.length).toBeGreaterThan(1000);
  });

  test.each(slices)('modules %i to %i read without a defect, signed by the build key', (first, last) => {
    for (const file of files.slice(first - 1, last)) {
      const image = readModuleImage(file, readFileSync(file));
      if (!image.ok) throw new Error(`${file}: ${image.message}`);
      expect(image.value.signature?.idType).toBe('PKCS#7');
    }
  });

  test('jbd2 exports what readelf shows, with CRCs from __kcrctab, and imports what it uses', () => {
    const image = readModuleImage(jbd2, readFileSync(jbd2));
    if (!image.ok) throw new Error(image.message);
    const { exports, imports, versions, initSymbol, exitSymbol, name, vermagic } = image.value;
    const readelf = execFileSync('readelf', ['-sW', jbd2]).toString();
    const marked = [...readelf.matchAll(/ __ksymtab_(\w+)$/gm)].map((m) => m[1]).sort();
    expect(exports.map((e) => e.name).sort()).toEqual(marked);
    expect(exports.every((e) => e.crc !== undefined && e.symbolIndex !== undefined)).toBe(true);
    expect(imports.map((i) => i.name)).toContain('kmem_cache_alloc');
    expect(versions.map((v) => v.name)).toContain('module_layout');
    expect({ name, initSymbol, exitSymbol }).toEqual({ name: 'jbd2', initSymbol: 'init_module', exitSymbol: 'cleanup_module' });
    expect(vermagic).toBe(`${tree?.version ?? ''} SMP preempt mod_unload modversions `);
  });

  test('namespaced exports carry their namespace', () => {
    const file = `${moduleDir}/kernel/drivers/usb/storage/usb-storage.ko`;
    const image = readModuleImage(file, readFileSync(file));
    if (!image.ok) throw new Error(image.message);
    const namespaces = new Set(image.value.exports.map((e) => e.namespace));
    expect(namespaces).toEqual(new Set(['USB_STORAGE']));
  });
});

describe('compressed modules', () => {
  test.each(['demo_lib.ko.xz', 'demo_lib.ko.zst', 'demo_lib.ko.gz'])('%s reads as the plain object does', (file) => {
    const plain = readModuleImage('demo_lib.ko', fixtureBytes('demo_lib.ko'));
    const packed = readModuleImage(file, fixtureBytes(file));
    if (!plain.ok || !packed.ok) throw new Error('fixture unreadable');
    expect(packed.value.compression).not.toBe('none');
    expect(packed.value.modinfo).toEqual(plain.value.modinfo);
    expect(packed.value.exports).toEqual(plain.value.exports);
  });

  test('corrupt compressed data is ENOEXEC, not an exception', () => {
    const bytes = new Uint8Array([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 1, 2, 3, 4]);
    expect(readModuleImage('bad.ko.xz', bytes)).toMatchObject({ ok: false, errno: 'ENOEXEC', file: 'bad.ko.xz' });
  });
});
