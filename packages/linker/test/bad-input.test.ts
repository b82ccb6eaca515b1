import { describe, expect, test } from 'vitest';
import type { Result } from '@kmodsim/cpu';
import { bumpAllocator, linkModule, readElf, readModuleImage, summarizeModule, type LinkerFailure, type ModuleImage } from '@kmodsim/linker';
import { EMBEDDED_KERNEL, embeddedKernelSymbols, fixtureBytes } from './fixtures.js';
import { mutate, prng } from '../fuzz/mutate.js';

// Malformed objects are values naming the file and the defect, never exceptions, hangs or huge
// allocations; a seeded fuzz run mutates the real fixture objects thousands of times.

const original = (): Uint8Array => new Uint8Array(fixtureBytes('demo_irq.ko'));
const view = (bytes: Uint8Array): DataView => new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);

function read(bytes: Uint8Array): Result<ModuleImage, LinkerFailure> {
  return readModuleImage('broken.ko', bytes);
}

function sectionHeaderOffset(bytes: Uint8Array, index: number): number {
  return Number(view(bytes).getBigUint64(40, true)) + index * 64;
}

function sectionIndex(bytes: Uint8Array, name: string): number {
  const image = read(bytes);
  if (!image.ok) throw new Error(image.message);
  return image.value.elf.section(name)!.index;
}

describe('typed errors for malformed objects', () => {
  test.each([
    ['truncated', (b: Uint8Array) => b.subarray(0, 40), /too short for an ELF header/],
    ['not ELF', (b: Uint8Array) => { b[0] = 0; return b; }, /not an ELF file/],
    ['32-bit', (b: Uint8Array) => { b[4] = 1; return b; }, /ELF class 1 is not ELFCLASS64/],
    ['big-endian', (b: Uint8Array) => { b[5] = 2; return b; }, /not little-endian/],
    ['another machine', (b: Uint8Array) => { view(b).setUint16(18, 40, true); return b; }, /Invalid architecture in ELF header: 40/],
    ['an executable', (b: Uint8Array) => { view(b).setUint16(16, 2, true); return b; }, /Invalid ELF header type: 2 != 1/],
    ['section table past the end', (b: Uint8Array) => { view(b).setBigUint64(40, BigInt(b.length), true); return b; }, /section header table/],
    ['section name table index out of range', (b: Uint8Array) => { view(b).setUint16(62, 500, true); return b; }, /section name table index 500 is out of range/],
    ['a section running past the file', (b: Uint8Array) => { view(b).setBigUint64(sectionHeaderOffset(b, 1) + 32, 1n << 40n, true); return b; }, /contents of section 1/],
    ['an absurd .bss', (b: Uint8Array) => { view(b).setBigUint64(sectionHeaderOffset(b, sectionIndex(b, '.bss')) + 32, 1n << 40n, true); return b; }, /absurd size/],
  ])('%s', (_name, corrupt, message) => {
    const result = read(corrupt(original()));
    expect(result).toMatchObject({ ok: false, errno: 'ENOEXEC', file: 'broken.ko' });
    expect(result.ok ? '' : result.message).toMatch(message);
  });

  test('a relocation whose place lies outside its section refuses the link', () => {
    const bytes = original();
    const rela = sectionHeaderOffset(bytes, sectionIndex(bytes, '.rela.text'));
    const entries = Number(view(bytes).getBigUint64(rela + 24, true));
    view(bytes).setBigUint64(entries, 1n << 20n, true);
    const image = read(bytes);
    if (!image.ok) throw new Error(image.message);
    const table = embeddedKernelSymbols();
    const lib = readModuleImage('demo_lib.ko', fixtureBytes('demo_lib.ko'));
    if (!lib.ok) throw new Error(lib.message);
    const libLinked = linkModule(lib.value, { resolver: table, kernel: EMBEDDED_KERNEL, memory: bumpAllocator() });
    if (!libLinked.ok) throw new Error(libLinked.message);
    table.addModule('demo_lib', libLinked.value.exports.map((e) => ({ ...e, owner: 'demo_lib' })));
    const result = linkModule(image.value, { resolver: table, kernel: EMBEDDED_KERNEL, memory: bumpAllocator(0xffffffffc1000000n) });
    expect(result).toMatchObject({ ok: false, errno: 'ENOEXEC', reason: 'relocation' });
    expect(result.ok ? '' : result.message).toMatch(/relocation at offset 0x100000 lies outside section \.text/);
  });

  test('a relocation naming a symbol past the symbol table', () => {
    const bytes = new Uint8Array(fixtureBytes('demo_fs.ko'));
    const rela = sectionHeaderOffset(bytes, sectionIndex(bytes, '.rela.text'));
    const entries = Number(view(bytes).getBigUint64(rela + 24, true));
    view(bytes).setUint32(entries + 12, 99999, true);
    const image = read(bytes);
    if (!image.ok) throw new Error(image.message);
    const result = linkModule(image.value, { resolver: embeddedKernelSymbols(), kernel: EMBEDDED_KERNEL, memory: bumpAllocator() });
    expect(result).toMatchObject({ ok: false, errno: 'ENOEXEC', reason: 'malformed' });
    expect(result.ok ? '' : result.message).toMatch(/names symbol 99999, past the \d+-entry symbol table/);
  });
});

test('fuzz: 3000 mutated fixture objects give values, never exceptions (seed 20240601)', () => {
  const seed = 20240601;
  const random = prng(seed);
  const sources = ['demo_lib.ko', 'demo_irq.ko', 'demo_chardev.ko', 'reloc_types.ko'].map((f) => new Uint8Array(fixtureBytes(f)));
  const table = embeddedKernelSymbols();
  const outcomes = { read: 0, refused: 0, linked: 0 };
  for (let round = 0; round < 3000; round++) {
    const bytes = mutate(sources[round % sources.length]!, random);
    try {
      const image = read(bytes);
      readElf('fuzz.ko', bytes, summarizeModule);
      if (!image.ok) {
        expect(image.errno).toBe('ENOEXEC');
        continue;
      }
      outcomes.read++;
      const linked = linkModule(image.value, { resolver: table, kernel: EMBEDDED_KERNEL, memory: bumpAllocator() });
      if (linked.ok) outcomes.linked++;
      else outcomes.refused++;
    } catch (error) {
      throw new Error(`seed ${seed} round ${round}: ${String(error)}`, { cause: error });
    }
  }
  expect(outcomes.read).toBeGreaterThan(100);
});
