// An .xz file is one or more streams, each a header, blocks, an index and a footer, with zero
// padding between streams; xz(1) and the kernel's decompressor read them one after another. The
// LZMA2 data inside a block is a run of chunks whose headers give each chunk's unpacked size,
// and the decoder refuses a chunk that decodes to anything else, so the image's size is added
// up from the headers alone, before anything is decoded or allocated: that is how a
// decompression bomb is refused at once, and how the image gets one buffer of its exact size.
// Every header, the index and the footer are checked here too (their CRC32s, and the sizes the
// index repeats), so that only the LZMA2 data and each block's check are left to the decoder.
// The walk keeps nothing per block, so its memory does not grow with a file of tiny blocks.

import { ImageTooLarge } from './image-too-large.js';
import { readBlockHeader } from './xz-block-header.js';
import { XzCorrupt, be16, byteAt, expectCrc32, isZero, truncated } from './xz-fields.js';
import { IndexRecords, checkFooter, checkIndex } from './xz-index.js';

const STREAM_HEADER_BYTES = 12;
const XZ_MAGIC = [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00];
/** The size of a block's check field for each check kmodsim verifies: none, CRC32, CRC64, SHA-256. */
const CHECK_BYTES: ReadonlyMap<number, number> = new Map([[0x00, 0], [0x01, 4], [0x04, 8], [0x0a, 32]]);

export type XzCheck = 0x00 | 0x01 | 0x04 | 0x0a;

/** One block of a stream: its header's filter chain, its LZMA2 chunks, and where its check is. */
export interface XzBlock {
  readonly headerStart: number;
  /** The LZMA2 data, from the first chunk to its end marker inclusive. */
  readonly dataStart: number;
  readonly dataEnd: number;
  /** The block's decoded size, from its chunk headers. */
  readonly unpackedBytes: number;
  readonly dictBytes: number;
  /** Set when the x86 BCJ filter comes before LZMA2: the stream position its data starts at. */
  readonly x86StartOffset: number | undefined;
  /** Where the block's check field starts (its size is the stream's check's). */
  readonly checkStart: number;
}

/** Called for each block in file order, with its stream's check. */
export type BlockVisitor = (block: XzBlock, check: XzCheck) => void;

/**
 * Walks an .xz file, checking its structure, and returns the image's size; throws ImageTooLarge
 * as soon as the size passes maxBytes. Nothing is kept per block or per stream (a file may hold
 * millions of tiny ones), so a caller that wants the blocks walks again with a visitor, once it
 * knows the size.
 */
export function walkXz(data: Uint8Array, maxBytes: number, visit?: BlockVisitor): number {
  let imageBytes = 0;
  let streams = 0;
  let at = 0;
  while (at < data.length) {
    if (streams > 0 && data[at] === 0) {
      at = skipStreamPadding(data, at);
      continue;
    }
    const stream = walkStream(data, at, imageBytes, maxBytes, visit);
    imageBytes = stream.imageBytes;
    streams++;
    at = stream.end;
  }
  if (streams === 0) throw truncated('the stream header');
  return imageBytes;
}

function skipStreamPadding(data: Uint8Array, start: number): number {
  let at = start;
  while (at < data.length && data[at] === 0) at++;
  if ((at - start) % 4 !== 0) throw new XzCorrupt('xz stream padding is not a multiple of four bytes');
  return at;
}

function walkStream(data: Uint8Array, start: number, bytesBefore: number, maxBytes: number, visit: BlockVisitor | undefined): { end: number; imageBytes: number } {
  if (start + STREAM_HEADER_BYTES > data.length) throw truncated('the stream header');
  if (!XZ_MAGIC.every((byte, i) => data[start + i] === byte)) throw new XzCorrupt(`no xz stream header at offset ${start}`);
  expectCrc32(data, start + 6, start + 8, start + 8, 'stream header');
  const flags = (data[start + 6] ?? 0) * 256 + (data[start + 7] ?? 0);
  const checkBytes = CHECK_BYTES.get(flags);
  if (checkBytes === undefined) throw new XzCorrupt(`xz stream at offset ${start} has flags 0x${flags.toString(16)}: an unknown check or reserved bits`);
  const records = new IndexRecords();
  let imageBytes = bytesBefore;
  let at = start + STREAM_HEADER_BYTES;
  // Blocks until the index indicator, a zero byte where a block header size would be.
  while (byteAt(data, at, 'a block header') !== 0) {
    const block = walkBlock(data, at, checkBytes, imageBytes, maxBytes);
    imageBytes += block.unpackedBytes;
    records.add(block.dataEnd - block.headerStart + checkBytes, block.unpackedBytes);
    visit?.(block, flags as XzCheck);
    at = block.checkStart + checkBytes;
  }
  const indexEnd = checkIndex(data, at, records);
  return { end: checkFooter(data, indexEnd, flags, indexEnd - at), imageBytes };
}

function walkBlock(data: Uint8Array, headerStart: number, checkBytes: number, bytesBefore: number, maxBytes: number): XzBlock {
  const header = readBlockHeader(data, headerStart);
  const { dataStart } = header;
  let imageBytes = bytesBefore;
  let at = dataStart;
  for (;;) {
    const chunk = lzma2Chunk(data, at);
    at = chunk.next;
    if (chunk.unpackedBytes === 0) break;
    imageBytes += chunk.unpackedBytes;
    if (imageBytes > maxBytes) throw new ImageTooLarge(maxBytes, imageBytes);
  }
  const unpackedBytes = imageBytes - bytesBefore;
  if (header.compressedBytes !== undefined && header.compressedBytes !== at - dataStart) throw new XzCorrupt(`xz block at offset ${headerStart} is not the compressed size its header gives`);
  if (header.uncompressedBytes !== undefined && header.uncompressedBytes !== unpackedBytes) throw new XzCorrupt(`xz block at offset ${headerStart} is not the uncompressed size its header gives`);
  const checkStart = at + ((4 - ((at - headerStart) % 4)) % 4);
  if (checkStart + checkBytes > data.length) throw truncated('a block');
  if (!isZero(data, at, checkStart)) throw new XzCorrupt(`xz block at offset ${headerStart} has non-zero padding`);
  return { headerStart, dataStart, dataEnd: at, unpackedBytes, dictBytes: header.dictBytes, x86StartOffset: header.x86StartOffset, checkStart };
}

/** One LZMA2 chunk header: its unpacked size (0 for the end marker) and where the next chunk starts. */
function lzma2Chunk(data: Uint8Array, at: number): { unpackedBytes: number; next: number } {
  const control = byteAt(data, at, 'LZMA2 data');
  if (control === 0) return { unpackedBytes: 0, next: at + 1 };
  if (control === 1 || control === 2) {
    const size = be16(data, at + 1) + 1;
    return { unpackedBytes: size, next: at + 3 + size };
  }
  if (control < 0x80) throw new XzCorrupt(`invalid LZMA2 control byte 0x${control.toString(16)} at offset ${at}`);
  const unpackedBytes = (control & 0x1f) * 0x10000 + be16(data, at + 1) + 1;
  const packedBytes = be16(data, at + 3) + 1;
  const headerBytes = control >= 0xc0 ? 6 : 5;
  return { unpackedBytes, next: at + headerBytes + packedBytes };
}
