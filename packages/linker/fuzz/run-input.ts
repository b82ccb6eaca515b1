import { bumpAllocator, linkModule, readElf, readModuleImage, summarizeModule, summarizeModuleImage, type KernelConfig, type SymbolResolver } from '../src/index.js';

// One input through every entry point of the linker a user's file reaches: the module reader
// (with decompression), depmod's two readers, and the link. Expected failures are values; an
// exception escaping any of them is a crash, which the caller reports with the input.

export interface Entry {
  readonly resolver: SymbolResolver;
  readonly kernel: KernelConfig;
}

export type InputOutcome = 'refused' | 'read' | 'linked' | 'link-refused';

export function runInput(bytes: Uint8Array, entry: Entry): InputOutcome {
  summarizeModuleImage('fuzz.ko', bytes);
  readElf('fuzz.ko', bytes, summarizeModule);
  const image = readModuleImage('fuzz.ko', bytes);
  if (!image.ok) return 'refused';
  const linked = linkModule(image.value, { resolver: entry.resolver, kernel: entry.kernel, memory: bumpAllocator() });
  return linked.ok ? 'linked' : 'link-refused';
}
