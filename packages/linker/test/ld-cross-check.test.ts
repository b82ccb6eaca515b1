import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, test } from 'vitest';
import { skipWithout } from '@kmodsim/vitest-config/real-data';
import { ElfFile, KernelSymbolTable, bumpAllocator, linkModule, parseModuleSymvers, type LinkedModule } from '@kmodsim/linker';
import { EMBEDDED_KERNEL, fixtureImage, fixturesDir } from './fixtures.js';

// GNU ld links the same object with every kept section at the address our linker chose and
// every undefined symbol at the value our symbol table gave it; each section's bytes must come
// out the same. Two placements: a low one where every relocation type fits, and the kernel's
// module area for the modules that use only what -mcmodel=kernel allows there. ld merges
// duplicate strings in SHF_MERGE sections and the kernel does not, so the object handed to ld
// has that flag cleared first.

const SHF_MERGE = 0x10;

const hasLd = (() => {
  try {
    execFileSync('ld', ['--version']);
    return true;
  } catch {
    return false;
  }
})();

function kernelTable(textBase: bigint): KernelSymbolTable {
  const symvers = parseModuleSymvers('Module.symvers', readFileSync(`${fixturesDir}Module.symvers`, 'utf8'));
  if (!symvers.ok) throw new Error(symvers.message);
  return KernelSymbolTable.fromVmlinux({ symvers: symvers.value, syntheticTextBase: textBase });
}

function linkWithLd(object: string, module: LinkedModule, symbols: ReadonlyMap<string, bigint>): ElfFile {
  const dir = mkdtempSync(`${tmpdir()}/kmodsim-ld-`);
  const script = [
    'SECTIONS {',
    ...module.sections.map((s) => `  ${JSON.stringify(s.name)} 0x${s.address.toString(16)} : { KEEP(*(${JSON.stringify(s.name)})) }`),
    '  /DISCARD/ : { *(.modinfo) *(__versions) *(.comment) *(.note.GNU-stack) }',
    '}',
  ].join('\n');
  writeFileSync(`${dir}/link.ld`, script);
  const input = new ElfFile(readFileSync(`${fixturesDir}${object}`));
  const unmerge = input.sections.filter((s) => (s.flags & SHF_MERGE) !== 0).flatMap((s) => ['--set-section-flags', `${s.name}=alloc,load,readonly,data,contents`]);
  execFileSync('objcopy', [...unmerge, `${fixturesDir}${object}`, `${dir}/in.o`]);
  const defsyms = [...symbols].flatMap(([name, address]) => ['--defsym', `${name}=0x${address.toString(16)}`]);
  execFileSync('ld', ['-static', '-nostdlib', '--no-relax', '-e', '0', '-T', `${dir}/link.ld`, ...defsyms, '-o', `${dir}/out`, `${dir}/in.o`], { stdio: 'pipe' });
  return new ElfFile(readFileSync(`${dir}/out`));
}

function expectSameBytes(object: string, module: LinkedModule): void {
  const symbols = new Map(module.imports.map((i) => [i.name, i.address]));
  const ld = linkWithLd(object, module, symbols);
  for (const placed of module.sections) {
    const ours = [...module.core, ...module.init].find((r) => r.name === placed.region)!;
    const offset = Number(placed.address - ours.address);
    const theirs = ld.section(placed.name);
    expect(theirs, placed.name).toBeDefined();
    const expected = theirs!.type === 8 ? new Uint8Array(placed.bytes) : ld.contents(theirs!);
    expect(Buffer.from(ours.contents.subarray(offset, offset + placed.bytes)).equals(Buffer.from(expected)), `${object} ${placed.name}`).toBe(true);
  }
}

describe.skipIf(skipWithout('GNU ld (apt-get install binutils)', hasLd))('relocated bytes equal GNU ld output', () => {
  test('reloc_types, placed low, with every relocation type the kernel applies', () => {
    const result = linkModule(fixtureImage('reloc_types'), { resolver: kernelTable(0x01000000n), kernel: EMBEDDED_KERNEL, memory: bumpAllocator(0x10000000n) });
    if (!result.ok) throw new Error(result.message);
    expect(new Set(fixtureImage('reloc_types').elf.sections.filter((s) => s.type === 4).flatMap((s) => fixtureImage('reloc_types').elf.relocations(s).map((r) => r.type)))).toEqual(new Set([1, 2, 4, 10, 11, 24]));
    expectSameBytes('reloc_types.ko', result.value);
  });

  test.each(['demo_lib', 'demo_fs'])('%s in the kernel module area', (name) => {
    const result = linkModule(fixtureImage(name), { resolver: kernelTable(0xffffffff81000000n), kernel: EMBEDDED_KERNEL, memory: bumpAllocator(0xffffffffc0200000n) });
    if (!result.ok) throw new Error(result.message);
    expectSameBytes(`${name}.ko`, result.value);
  });
});
