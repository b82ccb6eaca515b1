import type { ElfFile } from '../elf/elf-file.js';
import { STB_WEAK, SHN_UNDEF } from '../elf/constants.js';
import { defect } from '../elf/defect.js';

// What a module needs from the kernel and other modules: its undefined symbols, and the CRCs
// modpost recorded for them in __versions (64-byte entries: an 8-byte CRC, then the name
// NUL-padded to 56 bytes).

export interface ModuleImport {
  readonly name: string;
  /** A weak reference may stay unresolved. */
  readonly weak: boolean;
  readonly symbolIndex: number;
}

export interface SymbolVersion {
  readonly name: string;
  readonly crc: number;
}

const VERSION_ENTRY_BYTES = 64;
const VERSION_CRC_BYTES = 8;

export function readImports(elf: ElfFile): ModuleImport[] {
  const imports: ModuleImport[] = [];
  const count = elf.symbolCount();
  for (let index = 1; index < count; index++) {
    if (elf.symbolSectionIndex(index) !== SHN_UNDEF) continue;
    const name = elf.symbolName(index);
    if (name === '') continue;
    imports.push({ name, weak: elf.symbolInfo(index) >> 4 === STB_WEAK, symbolIndex: index });
  }
  return imports;
}

export function readVersions(elf: ElfFile): SymbolVersion[] {
  const section = elf.section('__versions');
  if (section === undefined) return [];
  if (section.size % VERSION_ENTRY_BYTES !== 0) defect(`__versions size ${section.size} is not a multiple of ${VERSION_ENTRY_BYTES}`);
  const versions: SymbolVersion[] = [];
  for (let at = section.offset; at < section.offset + section.size; at += VERSION_ENTRY_BYTES) {
    versions.push({
      crc: Number(elf.bytes.u64(at, '__versions CRC') & 0xffffffffn),
      name: elf.bytes.cString(at + VERSION_CRC_BYTES, at + VERSION_ENTRY_BYTES, '__versions name'),
    });
  }
  return versions;
}
