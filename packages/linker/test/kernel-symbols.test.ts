import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { skipWithout } from '@kmodsim/vitest-config/real-data';
import { KernelSymbolTable, bumpAllocator, formatKallsyms, linkModule, parseModuleSymvers, parseSystemMap } from '@kmodsim/linker';
import { EMBEDDED_KERNEL, embeddedKernelSymbols, fixtureImage } from './fixtures.js';
import { findKernelTree } from './kernel-tree.js';

describe('the kernel symbol table', () => {
  test('Module.symvers gives vmlinux exports with CRCs and licences; other owners stay out', () => {
    const table = embeddedKernelSymbols();
    expect(table.lookup('_printk')).toMatchObject({ owner: 'vmlinux', crc: 0x92997ed8, gplOnly: false });
    expect(table.lookup('__class_create')?.gplOnly).toBe(true);
    expect(table.lookup('demo_lib_counter_add')).toBeUndefined();
  });

  test('a kallsyms listing names module owners after a tab, sorted by address', () => {
    const table = embeddedKernelSymbols();
    const lib = linkModule(fixtureImage('demo_lib'), { resolver: table, kernel: EMBEDDED_KERNEL, memory: bumpAllocator() });
    if (!lib.ok) throw new Error(lib.message);
    table.addModule('demo_lib', lib.value.exports.map((e) => ({ ...e, owner: 'demo_lib' })));
    const listing = formatKallsyms(table.all()).split('\n');
    expect(listing[0]).toMatch(/^ffffffff81000000 T module_layout$/);
    expect(listing).toContainEqual(expect.stringMatching(/^ffffffffc0000[0-9a-f]{3} T demo_lib_counter_add\t\[demo_lib\]$/));
    table.removeModule('demo_lib');
    expect(table.lookup('demo_lib_counter_add')).toBeUndefined();
  });

  test('a malformed Module.symvers line is a typed error naming the line', () => {
    expect(parseModuleSymvers('Module.symvers', '0x1\tfoo\n')).toMatchObject({ ok: false, errno: 'EINVAL', file: 'Module.symvers', message: expect.stringMatching(/^line 1: /) as unknown });
  });

  const tree = findKernelTree();
  test.skipIf(skipWithout('the Debian kernel tree (bash scripts/fetch-kernel-tree.sh)', tree !== undefined))("Debian's System.map holds one line sending readers to the -dbg package: it reads, and marks no exports", () => {
    const map = parseSystemMap(tree!.systemMap, readFileSync(tree!.systemMap, 'latin1'));
    const symvers = parseModuleSymvers(tree!.symvers, readFileSync(tree!.symvers, 'latin1'));
    if (!map.ok || !symvers.ok) throw new Error(map.ok ? (symvers.ok ? '' : symvers.message) : map.message);
    expect(map.value.map((e) => e.name)).toEqual(['The real System.map is in the linux-image-<version>-dbg package']);
    const table = KernelSymbolTable.fromVmlinux({ symvers: symvers.value, systemMap: map.value });
    expect(table.size).toBeGreaterThan(10000);
    expect(table.lookup('_printk')).toMatchObject({ owner: 'vmlinux', crc: 0x92997ed8 });
  });
});
