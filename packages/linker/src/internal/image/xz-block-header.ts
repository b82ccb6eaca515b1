import { XzCorrupt, byteAt, expectCrc32, isZero, le32, vli } from './xz-fields.js';

// A block header (xz file format, section 3.1): its size, flags, the optional compressed and
// uncompressed sizes, and the filter chain. kmodsim reads LZMA2 alone, or the x86 BCJ filter
// before LZMA2: the kernel's xz_wrap.sh compresses vmlinux so, and the kernel's own decoder
// (lib/xz) takes either for a module too.

const FILTER_X86 = 0x04;
const FILTER_LZMA2 = 0x21;

export interface BlockHeader {
  /** Where the block's LZMA2 data starts. */
  readonly dataStart: number;
  readonly compressedBytes: number | undefined;
  readonly uncompressedBytes: number | undefined;
  /** The LZMA2 dictionary size: no match reaches further back. */
  readonly dictBytes: number;
  /** Set when the x86 BCJ filter comes before LZMA2: the stream position the filtered data starts at. */
  readonly x86StartOffset: number | undefined;
}

export function readBlockHeader(data: Uint8Array, start: number): BlockHeader {
  const headerBytes = (byteAt(data, start, 'a block header') + 1) * 4;
  const end = start + headerBytes;
  expectCrc32(data, start, end - 4, end - 4, 'block header');
  const flags = byteAt(data, start + 1, 'a block header');
  if ((flags & 0x3c) !== 0) throw new XzCorrupt(`xz block header at offset ${start} has reserved flags set`);
  let at = start + 2;
  const field = (): number => {
    const read = vli(data, at, 'a block header');
    at = read.next;
    if (at > end - 4) throw new XzCorrupt(`xz block header at offset ${start} is longer than its size`);
    return read.value;
  };
  const compressedBytes = (flags & 0x40) !== 0 ? field() : undefined;
  const uncompressedBytes = (flags & 0x80) !== 0 ? field() : undefined;
  const filters: { id: number; properties: Uint8Array }[] = [];
  for (let filter = 0; filter <= (flags & 0x03); filter++) {
    const id = field();
    const propertyBytes = field();
    if (at + propertyBytes > end - 4) throw new XzCorrupt(`xz block header at offset ${start} is longer than its size`);
    filters.push({ id, properties: data.subarray(at, at + propertyBytes) });
    at += propertyBytes;
  }
  if (!isZero(data, at, end - 4)) throw new XzCorrupt(`xz block header at offset ${start} has non-zero padding`);
  return { dataStart: end, compressedBytes, uncompressedBytes, ...filterChain(filters, start) };
}

function filterChain(filters: readonly { id: number; properties: Uint8Array }[], start: number): { dictBytes: number; x86StartOffset: number | undefined } {
  const [first, second] = filters;
  const lzma2 = second ?? first;
  const bcj = second === undefined ? undefined : first;
  if (lzma2?.id !== FILTER_LZMA2 || (bcj !== undefined && bcj.id !== FILTER_X86) || filters.length > 2) {
    const chain = filters.map(({ id }) => `0x${id.toString(16)}`).join(', ');
    throw new XzCorrupt(`xz filter chain ${chain} is not LZMA2 with at most the x86 BCJ filter`);
  }
  const dictByte = lzma2.properties.length === 1 ? (lzma2.properties[0] ?? 0) : 0xff;
  if (dictByte > 40) throw new XzCorrupt(`xz block header at offset ${start} has invalid LZMA2 properties`);
  const dictBytes = dictByte === 40 ? 0xffffffff : (2 | (dictByte & 1)) * 2 ** ((dictByte >>> 1) + 11);
  if (bcj === undefined) return { dictBytes, x86StartOffset: undefined };
  if (bcj.properties.length !== 0 && bcj.properties.length !== 4) throw new XzCorrupt(`xz block header at offset ${start} has invalid x86 filter properties`);
  return { dictBytes, x86StartOffset: bcj.properties.length === 4 ? le32(bcj.properties, 0, 'a block header') : 0 };
}
