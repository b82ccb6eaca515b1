import type { Failure, Result } from '@kmodsim/cpu';

// The machine-specific part of the in-kernel linker: which ELF machine a module must be built
// for, and how each relocation type writes its value (arch/*/kernel/module.c,
// apply_relocate_add). Everything else in the linker is machine-independent.

/** What one relocation asks for, with the symbol already resolved. */
export interface RelocationSite {
  readonly type: number;
  /** S + A: the symbol's final address plus the addend. */
  readonly value: bigint;
  /** P: the final address of the place being patched. */
  readonly placeAddress: bigint;
}

export interface Architecture {
  readonly name: string;
  readonly elfMachine: number;
  /** How many bytes a relocation type patches, or undefined if the kernel does not know it. */
  patchBytes(type: number): number | undefined;
  /** The bytes to store at the place, or why the kernel refuses it (ENOEXEC). */
  relocate(site: RelocationSite): Result<Uint8Array, Failure<'ENOEXEC'>>;
  /** The relocation type's name as binutils prints it, for messages. */
  typeName(type: number): string;
}
