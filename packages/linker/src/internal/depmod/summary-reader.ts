import { fail, ok, type Result } from '@kmodsim/cpu';
import type { LinkerFailure } from '../../failure.js';
import {
  ELF_HEADER_BYTES,
  SECTION_HEADER_BYTES,
  SHN_ABS,
  SHN_UNDEF,
  SHT_NOBITS,
  SHT_NULL,
  SHT_STRTAB,
  SHT_SYMTAB,
  STB_WEAK,
  SYMBOL_BYTES,
} from '../elf/constants.js';
import { defect, ElfDefect, overLimit } from '../elf/defect.js';
import { NameBudget } from '../elf/name-budget.js';
import { MAX_NOBITS_BYTES, MAX_SECTIONS, MAX_SYMBOLS } from '../limits.js';
import { parseModinfo } from '../image/modinfo.js';
import { MemoryWindow, type ByteWindow } from './byte-window.js';
import type { DependencySymbol, ModuleSummary } from './module-summary.js';

// summarizeModule's answer without opening the module as an ElfFile: the reader walks the
// section headers once, fetches only the sections depmod reads, and scans the symbol table as
// raw bytes, decoding a name only when it becomes part of the answer (an undefined symbol or a
// `__crc_` export). It checks what ElfFile and the readers behind summarizeModule check, so a
// file one of them refuses the other refuses too; the fuzz test holds them to it.

const VERSION_ENTRY_BYTES = 64;
const VERSION_CRC_BYTES = 8;
/** Small modules are read whole by the first read; larger ones by their header and the parts needed. */
export const HEAD_BYTES = 16 * 1024;
/** The section names usually sit just before the section headers: fetch them in the same read. */
const NAMES_SLACK_BYTES = 4096;
const TWO_POW_32 = 2 ** 32;
/** A u64 whose high word reaches this is past Number.MAX_SAFE_INTEGER. */
const UNSAFE_HIGH_WORD = 2 ** 21;

const CRC_PREFIX = Buffer.from('__crc_');
const MODINFO = Buffer.from('.modinfo\0');
const VERSIONS = Buffer.from('__versions\0');
const KSYMTAB_STRINGS = Buffer.from('__ksymtab_strings\0');

/** The same summary from an uncompressed image in memory (what readElf(file, image, summarizeModule) gives). */
export function summarizeModuleImage(file: string, image: Uint8Array): Result<ModuleSummary, LinkerFailure> {
  try {
    return ok(summarize(new MemoryWindow(image)));
  } catch (error) {
    if (error instanceof ElfDefect) return fail(error.errno, error.message, { file });
    throw error;
  }
}

/**
 * Decodes bytes as latin1. Buffer#latin1Slice is where toString('latin1', start, end) ends up;
 * calling it directly skips the encoding dispatch, which for names this short costs as much as
 * the decoding itself (a tenth of the reader's time on a Debian tree).
 */
const latin1: (bytes: Buffer, start: number, end: number) => string =
  typeof (Buffer.prototype as Latin1Slicer).latin1Slice === 'function'
    ? (bytes, start, end) => (bytes as Latin1Slicer).latin1Slice(start, end)
    : (bytes, start, end) => bytes.toString('latin1', start, end);

type Latin1Slicer = Buffer & { latin1Slice(start: number, end: number): string };

const u16 = (b: Buffer, at: number): number => (b[at] ?? 0) | ((b[at + 1] ?? 0) << 8);
const u32 = (b: Buffer, at: number): number => ((b[at] ?? 0) | ((b[at + 1] ?? 0) << 8) | ((b[at + 2] ?? 0) << 16) | ((b[at + 3] ?? 0) << 24)) >>> 0;

/** A u64 field that must be a safe integer (an offset, a size), as Bytes.u64AsNumber reads it. */
function u64Safe(b: Buffer, at: number, what: string): number {
  const high = u32(b, at + 4);
  if (high >= UNSAFE_HIGH_WORD) defect(`${what} is absurd`);
  return high * TWO_POW_32 + u32(b, at);
}

/** Whether the NUL-terminated name at `at` in `names` is `wanted` (given with its NUL). */
function nameIs(names: Buffer, at: number, wanted: Buffer): boolean {
  if (at + wanted.length > names.length) return false;
  for (let i = 0; i < wanted.length; i++) if (names[at + i] !== wanted[i]) return false;
  return true;
}

/** Per-section facts, for the few sections the reader looks at by index. */
interface Sections {
  readonly count: number;
  readonly type: Uint32Array;
  readonly offset: Float64Array;
  readonly size: Float64Array;
  readonly link: Uint32Array;
  readonly nameOffset: Uint32Array;
}

/** e_shnum is 16 bits. The reader is not reentrant, so one set of arrays serves every file. */
const SECTION_SLOTS = 0x10000;
let scratchSections: Omit<Sections, 'count'> | undefined;

function sectionArrays(count: number): Sections {
  scratchSections ??= {
    type: new Uint32Array(SECTION_SLOTS),
    offset: new Float64Array(SECTION_SLOTS),
    size: new Float64Array(SECTION_SLOTS),
    link: new Uint32Array(SECTION_SLOTS),
    nameOffset: new Uint32Array(SECTION_SLOTS),
  };
  return { count, ...scratchSections };
}

interface Wanted {
  modinfo: number;
  versions: number;
  ksymtabStrings: number;
  symtab: number;
}

// The helpers below are top-level functions rather than closures: they run for every module,
// and a closure is allocated (and, under tsx, named) each time its enclosing function runs.

export function summarize(window: ByteWindow): ModuleSummary {
  const budget = new NameBudget();
  const { sections, wanted } = readSectionHeaders(window, budget);
  const symtab = checkSymtab(sections, wanted.symtab);
  const ranges: [number, number][] = [];
  wantSection(ranges, window, sections, wanted.modinfo, 0);
  wantSection(ranges, window, sections, wanted.versions, 0);
  if (symtab !== undefined) {
    wantSection(ranges, window, sections, wanted.symtab, 0);
    wantSection(ranges, window, sections, symtab.strings, CRC_PREFIX.length - 1);
  }
  window.prefetch(ranges);
  const modinfo = parseModinfo(contents(window, sections, wanted.modinfo, 'section .modinfo'));
  const scan = symtab === undefined ? { crcs: new Map<string, number>(), imports: [], names: Buffer.alloc(0), nameStarts: [] } : scanSymbols(window, sections, symtab, budget);
  const versions = readVersions(window, sections, wanted.versions, scan);
  const exports: { name: string; crc: number }[] = [];
  for (const [name, crc] of scan.crcs) exports.push({ name, crc });
  if (exports.length === 0) exportStrings(contents(window, sections, wanted.ksymtabStrings, 'section __ksymtab_strings'), exports);
  return { modinfo, exports, dependencySymbols: dependencySymbols(scan.imports, versions) };
}

/** A section's bytes, as ElfFile.contents gives them: none for SHT_NOBITS or a missing section. */
function contents(window: ByteWindow, sections: Sections, index: number, what: string): Buffer {
  return index < 0 || sections.type[index] === SHT_NOBITS ? EMPTY : window.bytes(sections.offset[index] ?? 0, sections.size[index] ?? 0, what);
}

const EMPTY = Buffer.alloc(0);

function wantSection(ranges: [number, number][], window: ByteWindow, sections: Sections, index: number, extraBytes: number): void {
  if (index < 0) return;
  const start = sections.offset[index] ?? 0;
  ranges.push([start, Math.min(window.size, start + (sections.size[index] ?? 0) + extraBytes)]);
}

function readSectionHeaders(window: ByteWindow, budget: NameBudget): { sections: Sections; wanted: Wanted } {
  if (window.size < ELF_HEADER_BYTES) defect(`file is ${window.size} bytes, too short for an ELF header`);
  const header = window.bytes(0, ELF_HEADER_BYTES, 'ELF header');
  if (u32(header, 0) !== 0x464c457f) defect('not an ELF file (bad magic)');
  if (header[4] !== 2) defect(`ELF class ${String(header[4])} is not ELFCLASS64`);
  if (header[5] !== 1) defect(`ELF data encoding ${String(header[5])} is not little-endian (ELFDATA2LSB)`);
  if (u16(header, 58) !== SECTION_HEADER_BYTES) defect(`section header size ${u16(header, 58)} is not ${SECTION_HEADER_BYTES}`);
  const count = u16(header, 60);
  const namesIndex = u16(header, 62);
  if (count >= MAX_SECTIONS) defect(`${count} sections: section indices from ${MAX_SECTIONS} (SHN_LORESERVE) up are reserved`);
  if (count > 0 && namesIndex >= count) defect(`section name table index ${namesIndex} is out of range (${count} sections)`);
  const tableOffset = u64Safe(header, 40, 'e_shoff');
  const table = window.bytes(tableOffset, count * SECTION_HEADER_BYTES, 'section header table', NAMES_SLACK_BYTES);
  const sections = sectionArrays(count);
  const view = new DataView(table.buffer, table.byteOffset, table.byteLength);
  let nobitsBytes = 0;
  let symtabCount = 0;
  let symtab = -1;
  for (let index = 0; index < count; index++) {
    const at = index * SECTION_HEADER_BYTES;
    const type = view.getUint32(at + 4, true);
    const offset = safeField(view, at + 24, index, 'sh_offset');
    const size = safeField(view, at + 32, index, 'sh_size');
    if (type !== SHT_NOBITS && type !== SHT_NULL && offset + size > window.size) checkInside(window, offset, size, `contents of section ${index}`);
    const alignment = safeField(view, at + 48, index, 'sh_addralign');
    if (alignment > 1 << 16 || (alignment !== 0 && (alignment & (alignment - 1)) !== 0)) defect(`section header ${index}: alignment ${alignment} is not a sane power of two`);
    safeField(view, at + 8, index, 'sh_flags');
    safeField(view, at + 56, index, 'sh_entsize');
    if (type === SHT_NOBITS) nobitsBytes += size;
    if (type === SHT_SYMTAB && symtabCount++ === 0) symtab = index;
    sections.type[index] = type;
    sections.offset[index] = offset;
    sections.size[index] = size;
    sections.link[index] = view.getUint32(at + 40, true);
    sections.nameOffset[index] = view.getUint32(at, true);
  }
  if (nobitsBytes > MAX_NOBITS_BYTES) defect(`SHT_NOBITS sections claim ${nobitsBytes} bytes, an absurd size`);
  if (count > 0 && (sections.type[0] !== SHT_NULL || sections.size[0] !== 0)) defect('section 0 is not an empty SHT_NULL section');
  const wanted: Wanted = { modinfo: -1, versions: -1, ksymtabStrings: -1, symtab: -1 };
  if (count === 0) return { sections, wanted };
  if (symtabCount > 1) defect(`${symtabCount} symbol tables, expected one`);
  wanted.symtab = symtab;
  const namesSize = sections.size[namesIndex] ?? 0;
  if (sections.type[namesIndex] === SHT_NOBITS || namesSize === 0) defect('section name table is empty');
  const names = window.bytes(sections.offset[namesIndex] ?? 0, namesSize, 'section name table');
  if (names[namesSize - 1] !== 0) defect('section name table is not NUL-terminated');
  for (let index = 0; index < count; index++) {
    if (sections.type[index] === SHT_NULL) continue;
    const at = sections.nameOffset[index] ?? 0;
    if (at >= namesSize) defect(`section ${index} name offset ${at} is past the section name table`);
    budget.spend(names.indexOf(0, at) - at); // as ElfFile decodes every name
    // The first section of a name is the one ElfFile.section() answers.
    if (wanted.modinfo < 0 && nameIs(names, at, MODINFO)) wanted.modinfo = index;
    else if (wanted.versions < 0 && nameIs(names, at, VERSIONS)) wanted.versions = index;
    else if (wanted.ksymtabStrings < 0 && nameIs(names, at, KSYMTAB_STRINGS)) wanted.ksymtabStrings = index;
  }
  return { sections, wanted };
}

/** A u64 field of section header `index`. Its name is only spelled out for a defect: building it per field would cost more than the read. */
function safeField(view: DataView, at: number, index: number, field: string): number {
  const high = view.getUint32(at + 4, true);
  if (high >= UNSAFE_HIGH_WORD) defect(`section header ${index} ${field} is absurd`);
  return high * TWO_POW_32 + view.getUint32(at, true);
}

function checkInside(window: ByteWindow, offset: number, size: number, what: string): void {
  if (offset + size > window.size) defect(`${what} at offset ${offset} (${size} bytes) lies outside the ${window.size}-byte file`);
}

interface Symtab {
  readonly index: number;
  readonly strings: number;
  readonly count: number;
}

function checkSymtab(sections: Sections, index: number): Symtab | undefined {
  if (index < 0) return undefined;
  const size = sections.size[index] ?? 0;
  if (size % SYMBOL_BYTES !== 0) defect(`symbol table size ${size} is not a multiple of ${SYMBOL_BYTES}`);
  if (size / SYMBOL_BYTES > MAX_SYMBOLS) overLimit(`${size / SYMBOL_BYTES} symbols, more than the limit of ${MAX_SYMBOLS}`);
  const link = sections.link[index] ?? 0;
  if (link >= sections.count) defect(`symbol table string link: section index ${link} is out of range (${sections.count} sections)`);
  if (sections.type[link] !== SHT_STRTAB) defect(`symbol table links to section ${link}, which is not a string table`);
  return { index, strings: link, count: size / SYMBOL_BYTES };
}

interface SymbolVersion {
  readonly name: string;
  readonly crc: number;
}

function readVersions(window: ByteWindow, sections: Sections, index: number, scan: SymbolScan): SymbolVersion[] {
  if (index < 0) return [];
  const size = sections.size[index] ?? 0;
  if (size % VERSION_ENTRY_BYTES !== 0) defect(`__versions size ${size} is not a multiple of ${VERSION_ENTRY_BYTES}`);
  if (size === 0) return [];
  // Read even when SHT_NOBITS, as readVersions does: the offsets must then still lie in the file.
  const bytes = window.bytes(sections.offset[index] ?? 0, size, '__versions');
  const versions: SymbolVersion[] = [];
  // modpost writes __versions in the order of the undefined symbols, so the next entry usually
  // names the next import: then the import's string is reused instead of decoding another.
  let next = 0;
  for (let at = 0; at < size; at += VERSION_ENTRY_BYTES) {
    const nameStart = at + VERSION_CRC_BYTES;
    let end = nameStart;
    while (end < at + VERSION_ENTRY_BYTES && bytes[end] !== 0) end++;
    if (end >= at + VERSION_ENTRY_BYTES) defect(`__versions name at offset ${nameStart} is not NUL-terminated inside its table`);
    let name: string | undefined;
    for (let tried = 0; tried < 2 && next < scan.imports.length; tried++, next++) {
      if (sameBytes(bytes, nameStart, end, scan.names, scan.nameStarts[next] ?? 0)) {
        name = scan.imports[next++]?.name;
        break;
      }
    }
    versions.push({ crc: u32(bytes, at), name: name ?? latin1(bytes, nameStart, end) });
  }
  return versions;
}

/** Whether a[start, end) followed by a NUL equals the NUL-terminated string at b[at]. */
function sameBytes(a: Buffer, start: number, end: number, b: Buffer, at: number): boolean {
  const length = end - start;
  if (at + length >= b.length || b[at + length] !== 0) return false;
  for (let i = 0; i < length; i++) if (a[start + i] !== b[at + i]) return false;
  return true;
}

/** A DependencySymbol while it is being built: the CRC is filled in from __versions. */
interface Import {
  readonly name: string;
  crc: number;
  readonly weak: boolean;
}

interface SymbolScan {
  readonly crcs: Map<string, number>;
  readonly imports: Import[];
  /** The string table, and where each import's name starts in it. */
  readonly names: Buffer;
  readonly nameStarts: number[];
}

/** Where the name at `at` ends: its NUL, which must lie inside the string table. */
function nameEnd(strings: Buffer, stringsSize: number, index: number, at: number): number {
  // Names are short: a plain loop finds the NUL sooner than a call into Buffer#indexOf.
  let end = at;
  while (end < stringsSize && strings[end] !== 0) end++;
  if (end >= stringsSize) defect(`name of symbol ${index} (string table offset ${at}) is not NUL-terminated inside its table`);
  return end;
}

/** One pass over the symbol table: `__crc_` symbols (readCrcs) and undefined symbols (readImports). */
function scanSymbols(window: ByteWindow, sections: Sections, symtab: Symtab, budget: NameBudget): SymbolScan {
  const table = window.bytes(sections.offset[symtab.index] ?? 0, symtab.count * SYMBOL_BYTES, 'symbol table');
  const stringsOffset = sections.offset[symtab.strings] ?? 0;
  const stringsSize = sections.size[symtab.strings] ?? 0;
  // A few bytes past the table, as ElfFile's prefix test reads file bytes and not table bytes.
  const strings = window.bytes(stringsOffset, Math.min(window.size - stringsOffset, stringsSize + CRC_PREFIX.length - 1), 'symbol string table');
  const crcSites: { name: string; section: number; low: number; high: number }[] = [];
  const imports: Import[] = [];
  const nameStarts: number[] = [];
  const view = new DataView(table.buffer, table.byteOffset, table.byteLength);
  for (let index = 1; index < symtab.count; index++) {
    const at = index * SYMBOL_BYTES;
    const nameAt = view.getUint32(at, true);
    if (nameAt >= stringsSize) defect(`symbol ${index} names offset ${nameAt}, past the ${stringsSize}-byte string table`);
    const section = view.getUint16(at + 6, true);
    if (section === SHN_UNDEF) {
      const end = nameEnd(strings, stringsSize, index, nameAt);
      budget.spend(end - nameAt);
      const name = latin1(strings, nameAt, end);
      if (name !== '') {
        imports.push({ name, crc: 0, weak: (table[at + 4] ?? 0) >> 4 === STB_WEAK });
        nameStarts.push(nameAt);
      }
    }
    if (strings[nameAt] !== 0x5f || !nameIs(strings, nameAt, CRC_PREFIX)) continue;
    const end = nameEnd(strings, stringsSize, index, nameAt);
    budget.spend(end - nameAt);
    const name = latin1(strings, nameAt + CRC_PREFIX.length, end);
    crcSites.push({ name, section, low: view.getUint32(at + 8, true), high: view.getUint32(at + 12, true) });
  }
  return { crcs: readCrcValues(window, sections, crcSites), imports, names: strings, nameStarts };
}

/** Each `__crc_` symbol's CRC: absolute on old kernels, else stored where its value points. */
function readCrcValues(window: ByteWindow, sections: Sections, sites: readonly { name: string; section: number; low: number; high: number }[]): Map<string, number> {
  const crcs = new Map<string, number>();
  const ranges: [number, number][] = [];
  for (const site of sites) {
    if (site.section === SHN_ABS || site.section === SHN_UNDEF) continue;
    if (site.section >= sections.count) defect(`__crc_${site.name}: section index ${site.section} is out of range (${sections.count} sections)`);
    const start = sections.offset[site.section] ?? 0;
    ranges.push([start, start + (sections.size[site.section] ?? 0)]);
  }
  window.prefetch(ranges);
  for (const site of sites) {
    if (site.section === SHN_ABS || site.section === SHN_UNDEF) {
      crcs.set(site.name, site.low);
      continue;
    }
    const size = sections.size[site.section] ?? 0;
    if (site.high >= UNSAFE_HIGH_WORD) continue;
    const value = site.high * TWO_POW_32 + site.low;
    if (value + 4 > size) continue;
    crcs.set(site.name, u32(window.bytes((sections.offset[site.section] ?? 0) + value, 4, 'CRC'), 0));
  }
  return crcs;
}

/** Without `__crc_` symbols, every name in __ksymtab_strings is an export (as readExportStrings reads them). */
function exportStrings(strings: Buffer, into: { name: string; crc: number }[]): void {
  if (strings.length === 0) return;
  for (const name of latin1(strings, 0, strings.length).split('\0')) if (name !== '') into.push({ name, crc: 0 });
}

/**
 * The imports with the CRC of the first __versions entry of their name, then the entries whose
 * name no import has (module_layout on older kernels), as summarizeModule orders them.
 */
function dependencySymbols(imports: Import[], versions: readonly SymbolVersion[]): DependencySymbol[] {
  if (versions.length === 0) return imports;
  const firstByName = new Map<string, number>();
  for (let index = 0; index < versions.length; index++) {
    const name = versions[index]?.name ?? '';
    if (!firstByName.has(name)) firstByName.set(name, index);
  }
  const used = new Uint8Array(versions.length);
  const symbols: DependencySymbol[] = imports;
  for (const symbol of imports) {
    const first = firstByName.get(symbol.name);
    if (first === undefined) continue;
    used[first] = 1;
    symbol.crc = versions[first]?.crc ?? 0;
  }
  for (let index = 0; index < versions.length; index++) {
    const version = versions[index];
    if (version !== undefined && used[firstByName.get(version.name) ?? index] === 0) symbols.push({ name: version.name, crc: version.crc, weak: false });
  }
  return symbols;
}
