// An .xz file is one or more streams, each a header, blocks, an index and a footer, with zero
// padding between streams. The LZMA2 data inside a block is a run of chunks whose headers give
// the chunk's unpacked size, and lzma-rs refuses a chunk that decodes to more than it declares,
// so the image's size can be added up from the headers alone, without decoding anything. That
// is how a decompression bomb is refused before it allocates (lzma-rs has no streaming API in
// @napi-rs/lzma), and how the streams of a concatenated file are found: xz(1) and the kernel's
// decompressor read them one after another, but lzma-rs reads only one stream per call.

import { ImageTooLarge } from './image-too-large.js';

const STREAM_HEADER_BYTES = 12;
const STREAM_FOOTER_BYTES = 12;
const XZ_MAGIC = [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00];
const FOOTER_MAGIC = [0x59, 0x5a];
/** The size of a block's check field for each check type (xz file format, section 3.4). */
const CHECK_BYTES = [0, 4, 4, 4, 8, 8, 8, 16, 16, 16, 32, 32, 32, 64, 64, 64];

export interface XzStream {
  /** Where the stream starts and ends in the file. */
  readonly start: number;
  readonly end: number;
  readonly blocks: readonly XzBlock[];
}

/** One block of a stream: its header (which names its filter chain) and its LZMA2 chunks. */
export interface XzBlock {
  readonly headerStart: number;
  /** The LZMA2 data, from the first chunk to its end marker inclusive. */
  readonly dataStart: number;
  readonly dataEnd: number;
  /** The block's decoded size, from its chunk headers. */
  readonly unpackedBytes: number;
}

export interface XzLayout {
  readonly streams: readonly XzStream[];
  /** The sum of the declared chunk sizes: the size of the image, or past maxBytes when refused. */
  readonly imageBytes: number;
}

const truncated = (what: string): Error => new Error(`xz data ends inside ${what}`);

/** The streams of an .xz file and its image size; throws ImageTooLarge as soon as the size passes maxBytes. */
export function xzLayout(data: Uint8Array, maxBytes: number): XzLayout {
  const streams: XzStream[] = [];
  let imageBytes = 0;
  let at = 0;
  while (at < data.length) {
    if (streams.length > 0 && data[at] === 0) {
      at = skipStreamPadding(data, at);
      continue;
    }
    const stream = walkStream(data, at, imageBytes, maxBytes);
    imageBytes = stream.imageBytes;
    streams.push({ start: at, end: stream.end, blocks: stream.blocks });
    at = stream.end;
  }
  if (streams.length === 0) throw truncated('the stream header');
  return { streams, imageBytes };
}

function skipStreamPadding(data: Uint8Array, start: number): number {
  let at = start;
  while (at < data.length && data[at] === 0) at++;
  if ((at - start) % 4 !== 0) throw new Error('xz stream padding is not a multiple of four bytes');
  return at;
}

function walkStream(data: Uint8Array, start: number, bytesBefore: number, maxBytes: number): { end: number; imageBytes: number; blocks: XzBlock[] } {
  if (start + STREAM_HEADER_BYTES > data.length) throw truncated('the stream header');
  if (!XZ_MAGIC.every((byte, i) => data[start + i] === byte)) throw new Error(`no xz stream header at offset ${start}`);
  const checkBytes = CHECK_BYTES[(data[start + 7] ?? 0) & 0x0f] ?? 0;
  let imageBytes = bytesBefore;
  const blocks: XzBlock[] = [];
  let at = start + STREAM_HEADER_BYTES;
  // Blocks until the index indicator, a zero byte where a block header size would be.
  while (byte(data, at, 'a block header') !== 0) {
    const blockStart = at;
    at += (byte(data, at, 'a block header') + 1) * 4;
    const dataStart = at;
    const bytesBeforeBlock = imageBytes;
    for (;;) {
      const chunk = lzma2Chunk(data, at);
      at = chunk.next;
      if (chunk.unpackedBytes === 0) break;
      imageBytes += chunk.unpackedBytes;
      if (imageBytes > maxBytes) throw new ImageTooLarge(maxBytes, imageBytes);
    }
    blocks.push({ headerStart: blockStart, dataStart, dataEnd: at, unpackedBytes: imageBytes - bytesBeforeBlock });
    at += (4 - ((at - blockStart) % 4)) % 4;
    at += checkBytes;
  }
  at = skipIndex(data, at);
  if (at + STREAM_FOOTER_BYTES > data.length) throw truncated('the stream footer');
  if (!FOOTER_MAGIC.every((b, i) => data[at + 10 + i] === b)) throw new Error(`no xz stream footer at offset ${at}`);
  return { end: at + STREAM_FOOTER_BYTES, imageBytes, blocks };
}

/** One LZMA2 chunk header: its unpacked size (0 for the end marker) and where the next chunk starts. */
function lzma2Chunk(data: Uint8Array, at: number): { unpackedBytes: number; next: number } {
  const control = byte(data, at, 'LZMA2 data');
  if (control === 0) return { unpackedBytes: 0, next: at + 1 };
  if (control === 1 || control === 2) {
    const size = be16(data, at + 1) + 1;
    return { unpackedBytes: size, next: at + 3 + size };
  }
  if (control < 0x80) throw new Error(`invalid LZMA2 control byte 0x${control.toString(16)} at offset ${at}`);
  const unpackedBytes = (control & 0x1f) * 0x10000 + be16(data, at + 1) + 1;
  const packedBytes = be16(data, at + 3) + 1;
  const headerBytes = control >= 0xc0 ? 6 : 5;
  return { unpackedBytes, next: at + headerBytes + packedBytes };
}

/** Skips the index: its indicator, record count, records (two integers each), padding and CRC32. */
function skipIndex(data: Uint8Array, start: number): number {
  let at = start + 1;
  const count = vli(data, at);
  at = count.next;
  for (let record = 0; record < 2 * count.value; record++) at = vli(data, at).next;
  at += (4 - ((at - start) % 4)) % 4;
  return at + 4;
}

/** xz's variable-length integer: seven bits a byte, least significant first, at most nine bytes. */
function vli(data: Uint8Array, start: number): { value: number; next: number } {
  let value = 0;
  for (let i = 0; i < 9; i++) {
    const b = byte(data, start + i, 'the index');
    value += (b & 0x7f) * 2 ** (7 * i);
    if ((b & 0x80) === 0) return { value, next: start + i + 1 };
  }
  throw new Error(`xz integer at offset ${start} is longer than nine bytes`);
}

function byte(data: Uint8Array, at: number, what: string): number {
  const value = data[at];
  if (value === undefined) throw truncated(what);
  return value;
}

const be16 = (data: Uint8Array, at: number): number => byte(data, at, 'LZMA2 data') * 256 + byte(data, at + 1, 'LZMA2 data');
