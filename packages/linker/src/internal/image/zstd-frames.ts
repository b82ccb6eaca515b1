import { decompress as decompressFrames, Decompress } from 'fzstd';
import { ImageTooLarge } from './image-too-large.js';

// A .zst file is one or more frames (plus skippable frames), each a header and a run of blocks.
// Raw and RLE blocks and a frame's declared content size give exact sizes; a compressed block
// regenerates at most min(window, 128 KiB). Walking the block headers therefore tells, without
// decoding, whether the image must pass the limit (refused at once: the 101 KB bomb of 3 GiB
// of zeros is all RLE blocks), may pass it (decoded block by block, stopping at the limit), or
// cannot (decoded in one call, fzstd's fast path).

const FRAME_MAGIC = 0xfd2fb528;
const SKIPPABLE_MAGIC_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;
const MAX_BLOCK_BYTES = 128 * 1024;
/**
 * fzstd allocates a frame's whole window before its first block. zstd's largest standard window
 * (--long, --ultra -22) is 128 MiB; nothing a module needs comes near this.
 */
const MAX_WINDOW_BYTES = 512 * 1024 * 1024;
const BLOCK_HEADER_BYTES = 3;
const CHECKSUM_BYTES = 4;
const FCS_BYTES = [0, 2, 4, 8];
const DICTIONARY_ID_BYTES = [0, 1, 2, 4];

interface FrameSizes {
  /** Bytes the frames must produce (declared content sizes, raw and RLE blocks). */
  certainBytes: number;
  /** Bytes they can produce at most. */
  boundBytes: number;
}

/** The image a .zst file holds; throws ImageTooLarge as soon as it is known to pass maxBytes. */
export function decompressZstd(data: Uint8Array, maxBytes: number): Uint8Array {
  const sizes: FrameSizes = { certainBytes: 0, boundBytes: 0 };
  let at = 0;
  while (at < data.length) at = walkFrame(data, at, sizes, maxBytes);
  if (sizes.boundBytes <= maxBytes) return decompressFrames(data);
  return decompressCounting(data, maxBytes);
}

/** Decodes block by block, counting, and stops at the first block that passes maxBytes. */
function decompressCounting(data: Uint8Array, maxBytes: number): Uint8Array {
  const blocks: Uint8Array[] = [];
  let imageBytes = 0;
  const decoder = new Decompress((block) => {
    imageBytes += block.length;
    if (imageBytes > maxBytes) throw new ImageTooLarge(maxBytes, imageBytes);
    blocks.push(block);
  });
  decoder.push(data, true);
  const image = new Uint8Array(imageBytes);
  let offset = 0;
  for (const block of blocks) {
    image.set(block, offset);
    offset += block.length;
  }
  return image;
}

function walkFrame(data: Uint8Array, start: number, sizes: FrameSizes, maxBytes: number): number {
  const magic = u32(data, start);
  if ((magic & SKIPPABLE_MAGIC_MASK) >>> 0 === SKIPPABLE_MAGIC) return start + 8 + u32(data, start + 4);
  if (magic !== FRAME_MAGIC) throw new Error(`no zstd frame at offset ${start}`);
  const descriptor = byte(data, start + 4);
  const singleSegment = (descriptor & 0x20) !== 0;
  let at = start + 5;
  const windowDescriptor = singleSegment ? 0 : byte(data, at++);
  at += DICTIONARY_ID_BYTES[descriptor & 3] ?? 0;
  const fcsBytes = FCS_BYTES[descriptor >> 6] === 0 && singleSegment ? 1 : (FCS_BYTES[descriptor >> 6] ?? 0);
  const contentBytes = fcsBytes === 0 ? undefined : littleEndian(data, at, fcsBytes) + (fcsBytes === 2 ? 256 : 0);
  at += fcsBytes;
  const windowBytes = singleSegment ? (contentBytes ?? 0) : windowSize(windowDescriptor);
  // fzstd allocates the declared content (or else the window) up front: refuse it before it does.
  if (contentBytes !== undefined) addCertain(sizes, contentBytes, maxBytes);
  else if (windowBytes > MAX_WINDOW_BYTES) throw new Error(`zstd window of ${windowBytes} bytes exceeds ${MAX_WINDOW_BYTES}`);
  const blockMax = Math.min(windowBytes, MAX_BLOCK_BYTES);
  for (let last = false; !last; ) {
    const header = littleEndian(data, at, BLOCK_HEADER_BYTES);
    last = (header & 1) === 1;
    const type = (header >> 1) & 3;
    const size = header >>> 3;
    at += BLOCK_HEADER_BYTES;
    if (type === 3) throw new Error(`reserved zstd block type at offset ${at - BLOCK_HEADER_BYTES}`);
    if (contentBytes === undefined && type !== 2) addCertain(sizes, size, maxBytes);
    else if (contentBytes === undefined) sizes.boundBytes += blockMax;
    at += type === 1 ? 1 : size;
  }
  if ((descriptor & 0x04) !== 0) at += CHECKSUM_BYTES;
  if (at > data.length) throw new Error('zstd data ends inside a frame');
  return at;
}

function addCertain(sizes: FrameSizes, bytes: number, maxBytes: number): void {
  sizes.certainBytes += bytes;
  sizes.boundBytes += bytes;
  if (sizes.certainBytes > maxBytes) throw new ImageTooLarge(maxBytes, sizes.certainBytes);
}

/** RFC 8878 3.1.1.1.2: a power of two from the exponent plus eighths of it from the mantissa. */
function windowSize(descriptor: number): number {
  const base = 2 ** (10 + (descriptor >> 3));
  return base + (base / 8) * (descriptor & 7);
}

function byte(data: Uint8Array, at: number): number {
  const value = data[at];
  if (value === undefined) throw new Error('zstd data ends inside a frame');
  return value;
}

function littleEndian(data: Uint8Array, at: number, count: number): number {
  let value = 0;
  for (let i = 0; i < count; i++) value += byte(data, at + i) * 2 ** (8 * i);
  return value;
}

const u32 = (data: Uint8Array, at: number): number => littleEndian(data, at, 4);
