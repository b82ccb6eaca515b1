import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { fileURLToPath } from 'node:url';

// Hostile inputs built in memory from the fixture modules, as issue 21's outside campaign made
// them: extra section headers that overlap the file, tens of thousands of exports, zstd frames
// that lie about their sizes or windows. Shared by the crafted-input tests and the fuzz bench.

const fixturesDir = fileURLToPath(new URL('../fixtures/modules/', import.meta.url));
const fixtureBytes = (file: string): Uint8Array => new Uint8Array(readFileSync(`${fixturesDir}${file}`));

const SECTION_HEADER_BYTES = 64;
const SYMBOL_BYTES = 24;

const view = (bytes: Uint8Array): DataView => new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);

interface RawSection {
  readonly at: number;
  readonly name: number;
  readonly type: number;
  readonly offset: number;
  readonly size: number;
  readonly link: number;
}

function sections(bytes: Uint8Array): RawSection[] {
  const v = view(bytes);
  const shoff = Number(v.getBigUint64(40, true));
  const count = v.getUint16(60, true);
  return Array.from({ length: count }, (_, index) => {
    const at = shoff + index * SECTION_HEADER_BYTES;
    return { at, name: v.getUint32(at, true), type: v.getUint32(at + 4, true), offset: Number(v.getBigUint64(at + 24, true)), size: Number(v.getBigUint64(at + 32, true)), link: v.getUint32(at + 40, true) };
  });
}

function sectionNamed(bytes: Uint8Array, name: string): RawSection & { index: number } {
  const all = sections(bytes);
  const names = all[view(bytes).getUint16(62, true)];
  if (names === undefined) throw new Error('no section names');
  const text = Buffer.from(bytes.subarray(names.offset, names.offset + names.size)).toString('latin1');
  const index = all.findIndex((s) => text.slice(s.name, text.indexOf('\0', s.name)) === name);
  const found = all[index];
  if (found === undefined) throw new Error(`no section ${name}`);
  return { ...found, index };
}

/**
 * The module with `extra` more section headers, each an allocated section covering the whole
 * file: in the kernel each would be laid out and copied, claiming extra × the file in memory.
 */
export function withOverlappingSections(source: string, extra: number): Uint8Array {
  const original = fixtureBytes(source);
  const text = sectionNamed(original, '.text');
  const table = Math.ceil(original.length / 8) * 8;
  const count = sections(original).length + extra;
  const bytes = new Uint8Array(table + count * SECTION_HEADER_BYTES);
  bytes.set(original);
  const v = view(bytes);
  const oldTable = Number(v.getBigUint64(40, true));
  bytes.set(original.subarray(oldTable, oldTable + sections(original).length * SECTION_HEADER_BYTES), table);
  for (let i = sections(original).length; i < count; i++) {
    const at = table + i * SECTION_HEADER_BYTES;
    bytes.set(original.subarray(text.at, text.at + SECTION_HEADER_BYTES), at);
    v.setBigUint64(at + 24, 0n, true);
    v.setBigUint64(at + 32, BigInt(bytes.length), true);
  }
  v.setBigUint64(40, BigInt(table), true);
  v.setUint16(60, count, true);
  return bytes;
}

/**
 * demo_lib.ko with `count` more exports: for each, a defined symbol `e_N` in .text and a marker
 * `__ksymtab_e_N` in __ksymtab with no relocation to follow, so the linker finds each export's
 * address by its name.
 */
export function withManyExports(count: number): Uint8Array {
  const original = fixtureBytes('demo_lib.ko');
  const symtab = sectionNamed(original, '.symtab');
  const strtab = sections(original)[symtab.link];
  if (strtab === undefined) throw new Error('no string table');
  const text = sectionNamed(original, '.text');
  const ksymtab = sectionNamed(original, '__ksymtab');
  const names: string[] = [];
  const symbols: [number, number][] = [];
  let stringsAt = strtab.size;
  for (let i = 0; i < count; i++) {
    for (const [name, section] of [[`e_${i}`, text.index], [`__ksymtab_e_${i}`, ksymtab.index]] as const) {
      names.push(`${name}\0`);
      symbols.push([stringsAt, section]);
      stringsAt += name.length + 1;
    }
  }
  const strings = Buffer.concat([Buffer.from(original.subarray(strtab.offset, strtab.offset + strtab.size)), Buffer.from(names.join(''), 'latin1')]);
  const table = new Uint8Array(symtab.size + symbols.length * SYMBOL_BYTES);
  table.set(original.subarray(symtab.offset, symtab.offset + symtab.size));
  const tv = view(table);
  symbols.forEach(([name, section], i) => {
    const at = symtab.size + i * SYMBOL_BYTES;
    tv.setUint32(at, name, true);
    tv.setUint8(at + 4, 0x12); // STB_GLOBAL, STT_FUNC
    tv.setUint16(at + 6, section, true);
  });
  const symtabAt = Math.ceil(original.length / 8) * 8;
  const strtabAt = symtabAt + table.length;
  const bytes = new Uint8Array(strtabAt + strings.length);
  bytes.set(original);
  bytes.set(table, symtabAt);
  bytes.set(strings, strtabAt);
  const v = view(bytes);
  v.setBigUint64(symtab.at + 24, BigInt(symtabAt), true);
  v.setBigUint64(symtab.at + 32, BigInt(table.length), true);
  v.setBigUint64(strtab.at + 24, BigInt(strtabAt), true);
  v.setBigUint64(strtab.at + 32, BigInt(strings.length), true);
  return bytes;
}

/** `bytes` with `tail` appended at the next 8-byte boundary, and where the tail starts. */
function appended(bytes: Uint8Array, tail: Uint8Array): { bytes: Uint8Array; at: number } {
  const at = Math.ceil(bytes.length / 8) * 8;
  const out = new Uint8Array(at + tail.length);
  out.set(bytes);
  out.set(tail, at);
  return { bytes: out, at };
}

/** Moves section `section`'s contents to `offset` (`size` bytes). */
function moveSection(bytes: Uint8Array, section: RawSection, offset: number, size: number): void {
  view(bytes).setBigUint64(section.at + 24, BigInt(offset), true);
  view(bytes).setBigUint64(section.at + 32, BigInt(size), true);
}

/**
 * The module with a string table `table` grown by one long name (`nameBytes` of `fill`, then its
 * NUL), moved to the end of the file: the bytes and the long name's offset in the table.
 */
function withLongName(original: Uint8Array, table: RawSection, fill: string, nameBytes: number): { bytes: Uint8Array; nameAt: number } {
  const strings = Buffer.concat([Buffer.from(original.subarray(table.offset, table.offset + table.size)), Buffer.alloc(nameBytes, fill), Buffer.alloc(1)]);
  const { bytes, at } = appended(original, strings);
  moveSection(bytes, table, at, strings.length);
  return { bytes, nameAt: table.size };
}

/**
 * demo_lib.ko with `count` more section headers (copies of .comment's, not allocated), or `count`
 * more global symbols in .text, every one named by the same `nameBytes`-byte string. Nothing in
 * the file is large, but a reader that decodes each name on its own holds count x nameBytes.
 */
export function withNamesSharingOneString(what: 'sections' | 'symbols', count: number, nameBytes: number): Uint8Array {
  const original = fixtureBytes('demo_lib.ko');
  if (what === 'sections') {
    const all = sections(original);
    const names = all[view(original).getUint16(62, true)];
    if (names === undefined) throw new Error('no section names');
    const comment = sectionNamed(original, '.comment');
    const { bytes, nameAt } = withLongName(original, names, 'A', nameBytes);
    const headers = new Uint8Array((all.length + count) * SECTION_HEADER_BYTES);
    const shoff = Number(view(bytes).getBigUint64(40, true));
    headers.set(bytes.subarray(shoff, shoff + all.length * SECTION_HEADER_BYTES));
    for (let i = all.length; i < all.length + count; i++) {
      headers.set(bytes.subarray(comment.at, comment.at + SECTION_HEADER_BYTES), i * SECTION_HEADER_BYTES);
      view(headers).setUint32(i * SECTION_HEADER_BYTES, nameAt, true);
    }
    const result = appended(bytes, headers);
    view(result.bytes).setBigUint64(40, BigInt(result.at), true);
    view(result.bytes).setUint16(60, all.length + count, true);
    return result.bytes;
  }
  const symtab = sectionNamed(original, '.symtab');
  const strtab = sections(original)[symtab.link];
  if (strtab === undefined) throw new Error('no string table');
  const text = sectionNamed(original, '.text');
  const { bytes, nameAt } = withLongName(original, strtab, 'L', nameBytes);
  const table = new Uint8Array(symtab.size + count * SYMBOL_BYTES);
  table.set(original.subarray(symtab.offset, symtab.offset + symtab.size));
  for (let at = symtab.size; at < table.length; at += SYMBOL_BYTES) {
    view(table).setUint32(at, nameAt, true);
    view(table).setUint8(at + 4, 0x12); // STB_GLOBAL, STT_FUNC
    view(table).setUint16(at + 6, text.index, true);
  }
  const result = appended(bytes, table);
  moveSection(result.bytes, symtab, result.at, table.length);
  return result.bytes;
}

/** demo_lib.ko's .modinfo with its name= field saying `name` instead (at most as long as demo_lib). */
export function withModuleName(name: string): Uint8Array {
  const bytes = new Uint8Array(fixtureBytes('demo_lib.ko'));
  const at = Buffer.from(bytes).indexOf('name=demo_lib\0');
  if (at < 0 || name.length > 'demo_lib'.length) throw new Error('cannot rename');
  bytes.set(Buffer.from(`name=${name}`.padEnd('name=demo_lib'.length, '\0'), 'latin1'), at);
  return bytes;
}

/** An empty zstd frame: single segment, a content size of 0, one empty raw block. */
export const EMPTY_ZSTD_FRAME = [0x28, 0xb5, 0x2f, 0xfd, 0x20, 0x00, 0x01, 0x00, 0x00];

/** A zstd frame that declares a `2 ** log2`-byte window and holds one empty raw block. */
export function zstdFrameWithWindow(log2: number): number[] {
  return [0x28, 0xb5, 0x2f, 0xfd, 0x00, (log2 - 10) << 3, 0x01, 0x00, 0x00];
}

/** demo_lib.ko.zst with its declared content size moved by `delta` bytes. */
export function zstdWithContentSize(delta: number): Uint8Array {
  const bytes = new Uint8Array(fixtureBytes('demo_lib.ko.zst'));
  if (bytes[4] !== 0x64) throw new Error('expected a 2-byte content size');
  const v = view(bytes);
  v.setUint16(5, v.getUint16(5, true) + delta, true);
  return bytes;
}

/** xz(1)'s compression of `mebibytes` MiB of zeros: one stream, one block, some 150 bytes a MiB. */
export function xzZeros(mebibytes: number, check: 'crc32' | 'crc64' = 'crc32'): Uint8Array {
  return new Uint8Array(execFileSync('sh', ['-c', `head -c ${mebibytes}M /dev/zero | xz -0 -T1 --check=${check}`], { maxBuffer: 16 * 1024 * 1024 }));
}

/** `count` copies of one xz stream, one after another: a concatenated file, as xz(1) reads it. */
export function repeated(stream: Uint8Array, count: number): Uint8Array {
  const bytes = new Uint8Array(stream.length * count);
  for (let i = 0; i < count; i++) bytes.set(stream, i * stream.length);
  return bytes;
}

const le32 = (value: number): number[] => [value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, value >>> 24];
const crc32le = (bytes: readonly number[]): number[] => le32(crc32(new Uint8Array(bytes)));
const vli = (value: number): number[] => {
  const out: number[] = [];
  let rest = value;
  for (; rest >= 0x80; rest = Math.floor(rest / 128)) out.push((rest % 128) | 0x80);
  return [...out, rest];
};

/**
 * An .xz file of one block (no check) whose LZMA2 data is `count` chunks of 100 'a's as xz(1)
 * encodes them alone: each chunk resets the dictionary, the state and the properties (lc=4), so
 * that every 13 bytes of input make the decoder reset its probabilities.
 */
export function xzResettingChunks(count: number): Uint8Array {
  const chunk = [0xe0, 0x00, 0x63, 0x00, 0x06, 0x04, 0x00, 0x30, 0xef, 0x28, 0xf0, 0x00, 0x00];
  const blockHeader = [0x02, 0x00, 0x21, 0x01, 0x16, 0x00, 0x00, 0x00]; // LZMA2 alone, an 8 MiB dictionary
  const dataBytes = count * chunk.length + 1;
  const index = [0x00, ...vli(1), ...vli(blockHeader.length + 4 + dataBytes), ...vli(count * 100)];
  while (index.length % 4 !== 0) index.push(0);
  // The footer gives the index's size (with its CRC32) in words, less one; then the stream flags.
  const backward = [...le32(index.length / 4), 0x00, 0x00];
  const head = [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0x00, 0x00, ...crc32le([0x00, 0x00]), ...blockHeader, ...crc32le(blockHeader)];
  const tail = [...new Array<number>((4 - ((blockHeader.length + 4 + dataBytes) % 4)) % 4).fill(0), ...index, ...crc32le(index), ...crc32le(backward), ...backward, 0x59, 0x5a];
  const bytes = new Uint8Array(head.length + dataBytes + tail.length);
  bytes.set(head);
  for (let i = 0; i < count; i++) bytes.set(chunk, head.length + i * chunk.length);
  bytes.set(tail, head.length + dataBytes);
  return bytes;
}

/** Every crafted input of issue 21, by name, for the bench's figure. */
export const CRAFTED: Readonly<Record<string, () => Uint8Array>> = {
  'overlapping sections x4879': () => withOverlappingSections('demo_irq.ko', 4879),
  'section headers x65440': () => withOverlappingSections('demo_irq.ko', 65440),
  'exports x40000': () => withManyExports(40_000),
  // Names that share one string: 2 GiB of names in a 1.2 MB file when each is decoded alone.
  'section names x4000 sharing one 1 MB string': () => withNamesSharingOneString('sections', 4000, 1_000_000),
  'symbol names x4000 sharing one 1 MB string': () => withNamesSharingOneString('symbols', 4000, 1_000_000),
  'module name ../../x': () => withModuleName('../../x'),
  'zstd content size +1': () => zstdWithContentSize(1),
  'zstd content size -1': () => zstdWithContentSize(-1),
  'zstd 512 MiB windows x2': () => new Uint8Array([...zstdFrameWithWindow(29), ...zstdFrameWithWindow(29)]),
  'zstd 512 MiB windows x16': () => new Uint8Array(Array.from({ length: 16 }, () => zstdFrameWithWindow(29)).flat()),
  // Just under the 512 MiB image limit: read whole, and the peak is what the image costs.
  'xz 511 MiB of zeros': () => xzZeros(511),
  'xz 511 MiB of zeros, CRC64': () => xzZeros(511, 'crc64'),
  'xz 4 streams of 127 MiB': () => repeated(xzZeros(127), 4),
  // 13 MB of chunks that each reset the decoder's probabilities: work in proportion to the input.
  'xz 1,000,000 chunks resetting the state': () => xzResettingChunks(1_000_000),
  'xz 200,000 blocks of 100 bytes': () => new Uint8Array(execFileSync('sh', ['-c', 'head -c 20000000 /dev/zero | tr "\\0" a | xz -c -T1 --block-size=100 --check=none -0'], { maxBuffer: 64 * 1024 * 1024 })),
  'zstd empty frames x500000': () => {
    const module = fixtureBytes('demo_lib.ko.zst');
    const bytes = new Uint8Array(500_000 * EMPTY_ZSTD_FRAME.length + module.length);
    for (let at = 0; at < 500_000 * EMPTY_ZSTD_FRAME.length; at += EMPTY_ZSTD_FRAME.length) bytes.set(EMPTY_ZSTD_FRAME, at);
    bytes.set(module, 500_000 * EMPTY_ZSTD_FRAME.length);
    return bytes;
  },
};
