// ELF constants the readers and the linker use (from the ELF specification and the kernel's
// include/uapi/linux/elf.h).

export const ELF_HEADER_BYTES = 64;
export const SECTION_HEADER_BYTES = 64;
export const SYMBOL_BYTES = 24;
export const RELA_BYTES = 24;

export const ET_REL = 1;

export const SHT_NULL = 0;
export const SHT_PROGBITS = 1;
export const SHT_SYMTAB = 2;
export const SHT_STRTAB = 3;
export const SHT_RELA = 4;
export const SHT_NOBITS = 8;
export const SHT_REL = 9;

export const SHF_WRITE = 0x1;
export const SHF_ALLOC = 0x2;
export const SHF_EXECINSTR = 0x4;
/** Not in ELF: the kernel marks .data..ro_after_init with it before laying out (module.h). */
export const SHF_RO_AFTER_INIT = 0x00200000;

export const SHN_UNDEF = 0;
export const SHN_LORESERVE = 0xff00;
export const SHN_ABS = 0xfff1;
export const SHN_COMMON = 0xfff2;
export const SHN_XINDEX = 0xffff;

export const STB_LOCAL = 0;
export const STB_GLOBAL = 1;
export const STB_WEAK = 2;

export const STT_SECTION = 3;

export const EM_X86_64 = 62;
export const EM_AARCH64 = 183;
