import type { ElfFile, ElfSection } from '../elf/elf-file.js';
import { SHN_ABS, SHN_UNDEF } from '../elf/constants.js';

// A module's exports. Current kernels (CONFIG_HAVE_ARCH_PREL32_RELOCATIONS) put a 12-byte entry
// per export in __ksymtab or __ksymtab_gpl: three 32-bit place-relative offsets to the symbol,
// its name and its namespace, filled in by relocations; a local symbol `__ksymtab_<name>` marks
// each entry. CRCs sit in __kcrctab at the value of a local `__crc_<name>` symbol.

export interface ModuleExport {
  readonly name: string;
  /** EXPORT_SYMBOL_GPL: only modules with a GPL-compatible licence may link against it. */
  readonly gplOnly: boolean;
  /** EXPORT_SYMBOL_NS: users must import the namespace. */
  readonly namespace?: string;
  readonly crc?: number;
  /** The index of the exported symbol itself in the symbol table (not of the marker). */
  readonly symbolIndex?: number;
}

const KSYMTAB_PREFIX = Buffer.from('__ksymtab_');
const CRC_PREFIX = Buffer.from('__crc_');
const KSYMTAB_ENTRY_BYTES = 12;

/**
 * Every export of a module. With `followEntries` false only names, licences and CRCs are read
 * (all depmod needs); with it true, the relocations of each entry are followed to the exported
 * symbol and its namespace.
 */
export function readExports(elf: ElfFile, followEntries = true): ModuleExport[] {
  const tables = [elf.section('__ksymtab'), elf.section('__ksymtab_gpl')].filter((s) => s !== undefined);
  const crcs = readCrcs(elf);
  const entryTargets = new Map<ElfSection, Map<number, EntryTargets>>();
  const exports: ModuleExport[] = [];
  const count = elf.symbolCount();
  for (let index = 1; index < count; index++) {
    if (!elf.bytes.startsWith(elf.symbolNameFileOffset(index), KSYMTAB_PREFIX)) continue;
    const sectionIndex = elf.symbolSectionIndex(index);
    const table = tables.find((t) => t.index === sectionIndex);
    if (table === undefined) continue;
    const name = elf.symbolName(index).slice(KSYMTAB_PREFIX.length);
    const crc = crcs.get(name);
    let entry: EntryTargets = {};
    if (followEntries) {
      let targets = entryTargets.get(table);
      if (targets === undefined) {
        targets = readEntryTargets(elf, table);
        entryTargets.set(table, targets);
      }
      entry = targets.get(Number(elf.symbolValue(index))) ?? {};
    }
    exports.push({
      name,
      gplOnly: table.name === '__ksymtab_gpl',
      ...(entry.namespace !== undefined && entry.namespace !== '' ? { namespace: entry.namespace } : {}),
      ...(crc !== undefined ? { crc } : {}),
      ...(entry.symbolIndex !== undefined ? { symbolIndex: entry.symbolIndex } : {}),
    });
  }
  return exports.length > 0 ? exports : readExportStrings(elf);
}

/** `__crc_<name>` symbols: a CRC stored in the section they point into, or absolute on old kernels. */
export function readCrcs(elf: ElfFile): Map<string, number> {
  const crcs = new Map<string, number>();
  const count = elf.symbolCount();
  for (let index = 1; index < count; index++) {
    if (!elf.bytes.startsWith(elf.symbolNameFileOffset(index), CRC_PREFIX)) continue;
    const name = elf.symbolName(index).slice(CRC_PREFIX.length);
    const sectionIndex = elf.symbolSectionIndex(index);
    const value = elf.symbolValue(index);
    if (sectionIndex === SHN_ABS || sectionIndex === SHN_UNDEF) {
      crcs.set(name, Number(value & 0xffffffffn));
      continue;
    }
    const section = elf.sectionAt(sectionIndex, `__crc_${name}`);
    if (value + 4n > BigInt(section.size)) continue;
    crcs.set(name, elf.bytes.u32(section.offset + Number(value), `CRC of ${name}`));
  }
  return crcs;
}

interface EntryTargets {
  symbolIndex?: number;
  namespace?: string;
}

/** Follows the relocations of a ksymtab to each entry's exported symbol and namespace string. */
function readEntryTargets(elf: ElfFile, table: ElfSection): Map<number, EntryTargets> {
  const targets = new Map<number, EntryTargets>();
  const rela = elf.sections.find((s) => s.name === `.rela${table.name}`);
  if (rela === undefined) return targets;
  for (const relocation of elf.relocations(rela)) {
    const offset = Number(relocation.offset);
    const field = offset % KSYMTAB_ENTRY_BYTES;
    const entryOffset = offset - field;
    const entry = targets.get(entryOffset) ?? {};
    if (field === 0) entry.symbolIndex = relocation.symbolIndex;
    if (field === 8) {
      const namespace = stringAt(elf, relocation.symbolIndex, relocation.addend);
      if (namespace !== undefined) entry.namespace = namespace;
    }
    targets.set(entryOffset, entry);
  }
  return targets;
}

function stringAt(elf: ElfFile, symbolIndex: number, addend: bigint): string | undefined {
  const sectionIndex = elf.symbolSectionIndex(symbolIndex);
  const section = elf.sections[sectionIndex];
  if (section === undefined || sectionIndex === SHN_UNDEF) return undefined;
  const offset = Number(elf.symbolValue(symbolIndex) + addend);
  if (offset < 0 || offset >= section.size) return undefined;
  return elf.bytes.name(section.offset + offset, section.offset + section.size, `namespace string in ${section.name}`);
}

/** Without marker symbols, the names in __ksymtab_strings are the exports (as kmod falls back). */
function readExportStrings(elf: ElfFile): ModuleExport[] {
  const strings = elf.section('__ksymtab_strings');
  if (strings === undefined) return [];
  const text = Buffer.from(elf.contents(strings)).toString('latin1');
  return text
    .split('\0')
    .filter((name) => name !== '')
    .map((name) => ({ name, gplOnly: false }));
}
