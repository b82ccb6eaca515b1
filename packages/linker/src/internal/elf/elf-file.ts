import { Bytes } from './bytes.js';
import {
  ELF_HEADER_BYTES,
  RELA_BYTES,
  SECTION_HEADER_BYTES,
  SHT_NOBITS,
  SHT_NULL,
  SHT_RELA,
  SHT_STRTAB,
  SHT_SYMTAB,
  SYMBOL_BYTES,
} from './constants.js';
import { defect, overLimit } from './defect.js';
import { MAX_NOBITS_BYTES, MAX_SECTIONS, MAX_SYMBOLS } from '../limits.js';

// An ELF64 little-endian object read from memory. The header and section headers are decoded
// and checked when the file is opened; symbols and relocations are decoded on demand, because
// depmod only needs a few of them from each of thousands of files.

export interface ElfSection {
  readonly index: number;
  readonly name: string;
  readonly type: number;
  readonly flags: number;
  readonly address: bigint;
  readonly offset: number;
  /** Bytes in memory; for SHT_NOBITS nothing of it is in the file. */
  readonly size: number;
  readonly link: number;
  readonly info: number;
  readonly alignment: number;
  readonly entrySize: number;
}

export interface ElfSymbol {
  readonly index: number;
  readonly name: string;
  readonly value: bigint;
  readonly size: bigint;
  readonly bind: number;
  readonly type: number;
  readonly sectionIndex: number;
}

export interface ElfRela {
  readonly offset: bigint;
  readonly type: number;
  readonly symbolIndex: number;
  readonly addend: bigint;
}

export interface ElfHeader {
  readonly type: number;
  readonly machine: number;
  readonly sectionCount: number;
  readonly sectionNamesIndex: number;
}


export class ElfFile {
  readonly bytes: Bytes;
  readonly header: ElfHeader;
  readonly sections: readonly ElfSection[];
  private readonly byName = new Map<string, ElfSection>();
  private symbolTable: ElfSection | undefined | null = null;
  private decodedSymbols: ElfSymbol[] | undefined;

  constructor(data: Uint8Array) {
    this.bytes = new Bytes(data);
    this.header = readHeader(this.bytes);
    this.sections = readSections(this.bytes, this.header);
    for (const section of this.sections) if (!this.byName.has(section.name)) this.byName.set(section.name, section);
  }

  section(name: string): ElfSection | undefined {
    return this.byName.get(name);
  }

  sectionAt(index: number, what: string): ElfSection {
    const section = this.sections[index];
    if (section === undefined) defect(`${what}: section index ${index} is out of range (${this.sections.length} sections)`);
    return section;
  }

  /** The bytes of a section that has contents in the file. */
  contents(section: ElfSection): Uint8Array {
    if (section.type === SHT_NOBITS) return new Uint8Array(0);
    return this.bytes.slice(section.offset, section.size, `section ${section.name}`);
  }

  /** The one SHT_SYMTAB section, if any; two of them is a defect, as the kernel says. */
  symtab(): ElfSection | undefined {
    if (this.symbolTable !== null) return this.symbolTable;
    const tables = this.sections.filter((s) => s.type === SHT_SYMTAB);
    if (tables.length > 1) defect(`${tables.length} symbol tables, expected one`);
    const table = tables[0];
    if (table !== undefined) {
      if (table.size % SYMBOL_BYTES !== 0) defect(`symbol table size ${table.size} is not a multiple of ${SYMBOL_BYTES}`);
      if (table.size / SYMBOL_BYTES > MAX_SYMBOLS) overLimit(`${table.size / SYMBOL_BYTES} symbols, more than the limit of ${MAX_SYMBOLS}`);
      const strings = this.sectionAt(table.link, 'symbol table string link');
      if (strings.type !== SHT_STRTAB) defect(`symbol table links to section ${strings.name}, which is not a string table`);
    }
    this.symbolTable = table;
    return table;
  }

  symbolCount(): number {
    const table = this.symtab();
    return table === undefined ? 0 : table.size / SYMBOL_BYTES;
  }

  /** Raw accessors for scanning many symbols without building objects. */
  symbolNameOffset(index: number): number {
    return this.bytes.u32(this.symbolOffset(index), 'symbol name');
  }

  symbolSectionIndex(index: number): number {
    return this.bytes.u16(this.symbolOffset(index) + 6, 'symbol section index');
  }

  symbolInfo(index: number): number {
    return this.bytes.u8(this.symbolOffset(index) + 4, 'symbol info');
  }

  symbolValue(index: number): bigint {
    return this.bytes.u64(this.symbolOffset(index) + 8, 'symbol value');
  }

  /** The file offset of a symbol's name, checked to lie inside the string table. */
  symbolNameFileOffset(index: number): number {
    const strings = this.symbolStrings();
    const nameOffset = this.symbolNameOffset(index);
    if (nameOffset >= strings.size) defect(`symbol ${index} names offset ${nameOffset}, past the ${strings.size}-byte string table`);
    return strings.offset + nameOffset;
  }

  symbolName(index: number): string {
    const strings = this.symbolStrings();
    return this.bytes.name(this.symbolNameFileOffset(index), strings.offset + strings.size, `name of symbol ${index}`);
  }

  symbols(): readonly ElfSymbol[] {
    if (this.decodedSymbols !== undefined) return this.decodedSymbols;
    const count = this.symbolCount();
    const symbols: ElfSymbol[] = [];
    for (let index = 0; index < count; index++) {
      const at = this.symbolOffset(index);
      const info = this.bytes.u8(at + 4, 'symbol info');
      symbols.push({
        index,
        name: this.symbolName(index),
        bind: info >> 4,
        type: info & 0xf,
        sectionIndex: this.bytes.u16(at + 6, 'symbol section index'),
        value: this.bytes.u64(at + 8, 'symbol value'),
        size: this.bytes.u64(at + 16, 'symbol size'),
      });
    }
    this.decodedSymbols = symbols;
    return symbols;
  }

  /** The RELA entries of a relocation section, each checked against its symbol table. */
  relocations(section: ElfSection): readonly ElfRela[] {
    if (section.type !== SHT_RELA) defect(`section ${section.name} is not SHT_RELA`);
    if (section.entrySize !== RELA_BYTES || section.size % RELA_BYTES !== 0) {
      defect(`relocation section ${section.name} has entry size ${section.entrySize} and size ${section.size}, expected multiples of ${RELA_BYTES}`);
    }
    const symbolCount = this.symbolCount();
    const relocations: ElfRela[] = [];
    for (let at = section.offset; at < section.offset + section.size; at += RELA_BYTES) {
      const info = this.bytes.u64(at + 8, `relocation in ${section.name}`);
      const symbolIndex = Number(info >> 32n);
      if (symbolIndex >= symbolCount) defect(`relocation in ${section.name} names symbol ${symbolIndex}, past the ${symbolCount}-entry symbol table`);
      relocations.push({
        offset: this.bytes.u64(at, `relocation in ${section.name}`),
        type: Number(info & 0xffffffffn),
        symbolIndex,
        addend: this.bytes.i64(at + 16, `relocation in ${section.name}`),
      });
    }
    return relocations;
  }

  private symbolStrings(): ElfSection {
    const table = this.symtab();
    if (table === undefined) defect('no symbol table');
    return this.sectionAt(table.link, 'symbol string table');
  }

  private symbolOffset(index: number): number {
    const table = this.symtab();
    if (table === undefined || index < 0 || index * SYMBOL_BYTES >= table.size) defect(`symbol index ${index} is out of range`);
    return table.offset + index * SYMBOL_BYTES;
  }
}

function readHeader(bytes: Bytes): ElfHeader {
  if (bytes.length < ELF_HEADER_BYTES) defect(`file is ${bytes.length} bytes, too short for an ELF header`);
  if (bytes.u32(0, 'ELF magic') !== 0x464c457f) defect('not an ELF file (bad magic)');
  const elfClass = bytes.u8(4, 'ELF class');
  if (elfClass !== 2) defect(`ELF class ${elfClass} is not ELFCLASS64`);
  const encoding = bytes.u8(5, 'ELF data encoding');
  if (encoding !== 1) defect(`ELF data encoding ${encoding} is not little-endian (ELFDATA2LSB)`);
  const sectionHeaderSize = bytes.u16(58, 'e_shentsize');
  if (sectionHeaderSize !== SECTION_HEADER_BYTES) defect(`section header size ${sectionHeaderSize} is not ${SECTION_HEADER_BYTES}`);
  const sectionCount = bytes.u16(60, 'e_shnum');
  const sectionNamesIndex = bytes.u16(62, 'e_shstrndx');
  if (sectionCount >= MAX_SECTIONS) defect(`${sectionCount} sections: section indices from ${MAX_SECTIONS} (SHN_LORESERVE) up are reserved`);
  if (sectionCount > 0 && sectionNamesIndex >= sectionCount) {
    defect(`section name table index ${sectionNamesIndex} is out of range (${sectionCount} sections)`);
  }
  return { type: bytes.u16(16, 'e_type'), machine: bytes.u16(18, 'e_machine'), sectionCount, sectionNamesIndex };
}

interface RawSection extends Omit<ElfSection, 'name'> {
  readonly nameOffset: number;
}

function readSections(bytes: Bytes, header: ElfHeader): ElfSection[] {
  const tableOffset = bytes.u64AsNumber(40, 'e_shoff');
  bytes.check(tableOffset, header.sectionCount * SECTION_HEADER_BYTES, 'section header table');
  const raw: RawSection[] = [];
  for (let index = 0; index < header.sectionCount; index++) raw.push(readSection(bytes, tableOffset + index * SECTION_HEADER_BYTES, index));
  const nobitsBytes = raw.filter((s) => s.type === SHT_NOBITS).reduce((sum, s) => sum + s.size, 0);
  if (nobitsBytes > MAX_NOBITS_BYTES) defect(`SHT_NOBITS sections claim ${nobitsBytes} bytes, an absurd size`);
  const first = raw[0];
  if (first !== undefined && (first.type !== SHT_NULL || first.size !== 0)) defect('section 0 is not an empty SHT_NULL section');
  const names = raw[header.sectionNamesIndex];
  if (names === undefined) return [];
  if (names.type === SHT_NOBITS || names.size === 0) defect('section name table is empty');
  if (bytes.u8(names.offset + names.size - 1, 'section name table') !== 0) defect('section name table is not NUL-terminated');
  return raw.map(({ nameOffset, ...section }) => {
    if (section.type !== SHT_NULL && nameOffset >= names.size) defect(`section ${section.index} name offset ${nameOffset} is past the section name table`);
    const name = section.type === SHT_NULL ? '' : bytes.name(names.offset + nameOffset, names.offset + names.size, `name of section ${section.index}`);
    return { ...section, name };
  });
}

function readSection(bytes: Bytes, at: number, index: number): RawSection {
  const what = `section header ${index}`;
  const type = bytes.u32(at + 4, what);
  const offset = bytes.u64AsNumber(at + 24, `${what} sh_offset`);
  const size = bytes.u64AsNumber(at + 32, `${what} sh_size`);
  if (type !== SHT_NOBITS && type !== SHT_NULL) {
    bytes.check(offset, size, `contents of section ${index}`);
  }
  const link = bytes.u32(at + 40, what);
  const info = bytes.u32(at + 44, what);
  const alignment = bytes.u64AsNumber(at + 48, `${what} sh_addralign`);
  if (alignment > 1 << 16 || (alignment !== 0 && (alignment & (alignment - 1)) !== 0)) defect(`${what}: alignment ${alignment} is not a sane power of two`);
  return {
    index,
    nameOffset: bytes.u32(at, what),
    type,
    flags: bytes.u64AsNumber(at + 8, `${what} sh_flags`),
    address: bytes.u64(at + 16, what),
    offset,
    size,
    link,
    info,
    alignment,
    entrySize: bytes.u64AsNumber(at + 56, `${what} sh_entsize`),
  };
}
