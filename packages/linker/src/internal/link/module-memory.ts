import { PAGE_BYTES, type RegionName } from './layout.js';

// Where module memory comes from. The kernel allocates each region from the module mapping
// (execmem); the simulation injects an allocator so the module core decides addresses and a
// test can pin them.

export interface ModuleMemoryAllocator {
  /** A page-aligned address for `bytes` bytes of the named region (bytes may be 0). */
  allocate(region: RegionName, bytes: number): bigint;
  /**
   * The address of the loader's temporary copy of the file. Symbols in sections the module does
   * not keep (none in a sane module) point there, as they do in the kernel during relocation.
   */
  temporaryCopy(bytes: number): bigint;
}

/** The x86-64 module mapping starts here (MODULES_VADDR without KASLR). */
export const MODULES_VADDR = 0xffffffffc0000000n;

/** A bump allocator, which says where its next allocation goes (so that one made from there goes on as it would). */
export interface BumpAllocator extends ModuleMemoryAllocator {
  readonly next: bigint;
}

/** Hands out pages one after another from `base`, as a fresh module area would. */
export function bumpAllocator(base: bigint = MODULES_VADDR): BumpAllocator {
  let next = base;
  const take = (bytes: number): bigint => {
    const address = next;
    next += BigInt(Math.ceil(bytes / PAGE_BYTES) * PAGE_BYTES);
    return address;
  };
  return {
    allocate: (_region, bytes) => take(bytes),
    temporaryCopy: take,
    get next() {
      return next;
    },
  };
}
