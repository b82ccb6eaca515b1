// Every limit the linker keeps, in one place (the README's table lists them with what a user gets
// past each). The kernel fails an absurd module with ENOMEM when its vmalloc or execmem
// allocation fails; the simulation's limits stand in for that, far above any real module (the
// largest Debian 6.1 module, amdgpu, is under 20 MiB with some 3,000 sections), so that a small
// hostile file is refused in milliseconds instead of filling gigabytes.

/** Largest decompressed module image (and module file). */
export const MAX_MODULE_BYTES = 512 * 1024 * 1024;
/**
 * Sections: e_shnum from SHN_LORESERVE (0xff00) up cannot be told from the reserved indices
 * (SHN_ABS, SHN_COMMON, SHN_XINDEX) a symbol's section index may hold. ENOEXEC.
 */
export const MAX_SECTIONS = 0xff00;
/** The memory a linked module takes: every region, core and init, page-rounded. ENOMEM. */
export const MAX_MODULE_MEMORY_BYTES = 256 * 1024 * 1024;
/** Entries in a symbol table. ENOMEM. */
export const MAX_SYMBOLS = 1 << 20;
/** Relocation entries applied in one link, all sections together. ENOMEM. */
export const MAX_RELOCATIONS = 1 << 22;
/** SHT_NOBITS sections (.bss) together. ENOEXEC, as an absurd size. */
export const MAX_NOBITS_BYTES = 64 * 1024 * 1024;
/** zstd's own decoder refuses windows over 128 MiB (ZSTD_WINDOWLOG_LIMIT_DEFAULT) unless told otherwise. */
export const MAX_ZSTD_WINDOW_BYTES = 128 * 1024 * 1024;
/** MODULE_NAME_LEN (64 - sizeof(unsigned long)) less the NUL: struct module's name field. */
export const MAX_MODULE_NAME_BYTES = 55;
/**
 * Bytes of section, symbol and namespace names decoded from one file, each name counted every
 * time it is read (with its NUL). Many headers or symbols may name one long string: the kernel
 * copies each symbol's name for kallsyms and each allocated section's name for sysfs, and fails
 * with ENOMEM when those copies do not fit. Real modules stay under a few MiB. ENOMEM.
 */
export const MAX_NAME_BYTES = 32 * 1024 * 1024;
