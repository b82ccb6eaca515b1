// @kmodsim/linker: real .ko files in, linked modules and depmod's files out.

export type { LinkerErrno, LinkerFailure } from './failure.js';

export { ElfFile, type ElfHeader, type ElfRela, type ElfSection, type ElfSymbol } from './internal/elf/elf-file.js';
export type { Architecture, RelocationSite } from './internal/arch/arch.js';
export { x86_64 } from './internal/arch/x86-64.js';
export { architectures } from './internal/arch/registry.js';

export { readModuleImage, readElf, moduleNameFromPath, type ModuleImage } from './internal/image/module-image.js';
export { parseModinfo, modinfoValue, type ModinfoEntry } from './internal/image/modinfo.js';
export type { ModuleExport } from './internal/image/exports.js';
export type { ModuleImport, SymbolVersion } from './internal/image/imports.js';
export { readSignature, type ModuleSignature } from './internal/image/signature.js';
export { compressionOf, decompress, MAX_MODULE_BYTES, type Compression } from './internal/image/decompress.js';

export { readCertificate, type KernelCertificate } from './internal/signing/certificate.js';
export {
  verifyModuleSignature,
  type SignatureErrno,
  type SignatureVerification,
  type VerifiedSignature,
} from './internal/signing/verify-module-signature.js';
export { findKernelCertificates, MAX_KERNEL_IMAGE_BYTES, type KernelCertificates } from './internal/kernel-image/kernel-certificates.js';
export type { KernelCompression } from './internal/kernel-image/kernel-payload.js';

export { VMLINUX, type KernelSymbol, type SymbolResolver } from './internal/symbols/kernel-symbol.js';
export { KernelSymbolTable, KERNEL_TEXT_BASE, type KernelSymbolSources } from './internal/symbols/kernel-symbol-table.js';
export { parseModuleSymvers, type SymversEntry } from './internal/symbols/symvers.js';
export { parseSystemMap, exportedNames, type SystemMapEntry } from './internal/symbols/system-map.js';
export { formatKallsyms } from './internal/symbols/kallsyms.js';

export { checkModuleName, linkModule, type LinkOptions } from './internal/link/link-module.js';
export {
  MAX_MODULE_MEMORY_BYTES,
  MAX_MODULE_NAME_BYTES,
  MAX_NAME_BYTES,
  MAX_NOBITS_BYTES,
  MAX_RELOCATIONS,
  MAX_SECTIONS,
  MAX_SYMBOLS,
  MAX_ZSTD_WINDOW_BYTES,
} from './internal/limits.js';
export type { ForceFlags, KernelConfig } from './internal/link/kernel-config.js';
export { bumpAllocator, MODULES_VADDR, type BumpAllocator, type ModuleMemoryAllocator } from './internal/link/module-memory.js';
export { layoutSections, PAGE_BYTES, type Layout, type PlacedSection, type RegionName } from './internal/link/layout.js';
export { isGplCompatible } from './internal/link/license.js';
export type {
  LinkedExport,
  LinkedModule,
  LinkRefusal,
  MemoryRegion,
  ModuleTaint,
  ResolvedImport,
  SectionPlacement,
} from './internal/link/linked-module.js';

export { computeDepmod, type DepmodInput, type DepmodModule, type DepmodOutput } from './internal/depmod/depmod.js';
export { summarizeModule, type DependencySymbol, type ModuleSummary } from './internal/depmod/module-summary.js';
export { summarizeModuleImage } from './internal/depmod/summary-reader.js';
export { summarizeModuleFile } from './internal/depmod/summary-file.js';
export { kmodHashOrder, superFastHash } from './internal/depmod/kmod-hash-order.js';
