import { zstdCodec } from './codecs.js';
import { ImageTooLarge } from './image-too-large.js';
import { MAX_ZSTD_WINDOW_BYTES } from '../limits.js';

// A .zst file is one or more frames (plus skippable frames), each a header and a run of blocks.
// Raw and RLE blocks and a frame's declared content size give exact sizes; a compressed block
// regenerates at most min(window, 128 KiB). Walking the block headers therefore tells, without
// decoding, how much room the image can need: an image that must pass the limit is refused at
// once (the 101 KB bomb of 3 GiB of zeros is all RLE blocks), as is a window past the limit.
//
// Then each frame is decoded straight into its place in one output buffer, allocated once:
// given an output buffer, fzstd uses it as the frame's window too, so the peak is the input
// plus the image (a window or a per-frame copy would double it, and fzstd's own sliding window
// costs a copy of the whole window per block). To learn how many bytes a frame really produced
// (fzstd does not say, and a frame that declares more content than its blocks hold would read
// as zero-padded), the frame is given an empty raw block after its last one: fzstd writes that
// block with out.set(empty, produced), which the output view records.

const FRAME_MAGIC = 0xfd2fb528;
const SKIPPABLE_MAGIC_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;
const MAX_BLOCK_BYTES = 128 * 1024;
const SMALL_WINDOW_BYTES = 8 * 1024 * 1024;
/** fzstd's reach: bit offsets into its input are 32-bit. */
const MAX_FRAME_INPUT_BYTES = 256 * 1024 * 1024 - 1024;
const BLOCK_HEADER_BYTES = 3;
const CHECKSUM_BYTES = 4;
const FCS_BYTES = [0, 2, 4, 8];
const DICTIONARY_ID_BYTES = [0, 1, 2, 4];
/** An empty raw block that ends its frame: last = 1, type = raw, size = 0. */
const EMPTY_LAST_BLOCK = [0x01, 0x00, 0x00];

interface Frame {
  readonly start: number;
  readonly end: number;
  /** Where the first block's header is. */
  readonly firstBlock: number;
  /** Whether any block is compressed (else raw and RLE blocks only, copied and filled here). */
  readonly compressed: boolean;
  /** Where the last block's header is. */
  readonly lastBlock: number;
  /** Where the checksum starts (end when there is none). */
  readonly blocksEnd: number;
  /** The declared content size, if the header has one. */
  readonly contentBytes: number | undefined;
  /** Bytes the frame can produce at most: its content size, else its blocks' sizes and bounds. */
  readonly roomBytes: number;
  /** Bytes it must produce. */
  readonly certainBytes: number;
}

/** The image a .zst file holds; throws ImageTooLarge as soon as it is known to pass maxBytes, an Error for corrupt data. */
export function decompressZstd(data: Uint8Array, maxBytes: number): Uint8Array {
  const frames: Frame[] = [];
  let certainBytes = 0;
  let roomBytes = 0;
  for (let at = 0; at < data.length; ) {
    const frame = walkFrame(data, at, maxBytes);
    if (typeof frame === 'number') {
      at = frame;
      continue;
    }
    certainBytes += frame.certainBytes;
    if (certainBytes > maxBytes) throw new ImageTooLarge(maxBytes, certainBytes);
    roomBytes += frame.roomBytes;
    frames.push(frame);
    at = frame.end;
  }
  const out = new Uint8Array(Math.min(roomBytes, maxBytes));
  let produced = 0;
  for (const frame of frames) {
    const room = Math.min(frame.roomBytes, out.length - produced);
    produced += decodeFrame(data, frame, out, produced, room, room < frame.roomBytes ? maxBytes : undefined);
  }
  // An image much smaller than the room its frames could need keeps only its own bytes.
  return produced * 2 < out.length ? out.slice(0, produced) : out.subarray(0, produced);
}

/** A view of the output that records where fzstd's last out.set() wrote: the frame's end. */
class OutputView extends Uint8Array {
  produced = -1;

  override set(source: ArrayLike<number>, offset = 0): void {
    this.produced = offset + source.length;
    super.set(source, offset);
  }

  /** fzstd compares its buffer argument with 1; without this, that would join every byte into a string. */
  [Symbol.toPrimitive](): number {
    return Number.NaN;
  }
}
// Views fzstd takes of the output (subarray) are plain arrays, so only its top-level writes are recorded.
Object.defineProperty(OutputView, Symbol.species, { value: Uint8Array });

/** Decodes one frame into out at offset; returns the bytes it produced. limitedAt: the room was cut to the image limit. */
function decodeFrame(data: Uint8Array, frame: Frame, out: Uint8Array, offset: number, room: number, limitedAt: number | undefined): number {
  if (!frame.compressed) return copyFrame(data, frame, out, offset, room, limitedAt);
  const copy = new Uint8Array(frame.end - frame.start + EMPTY_LAST_BLOCK.length);
  const blocksEnd = frame.blocksEnd - frame.start;
  copy.set(data.subarray(frame.start, frame.blocksEnd));
  copy[frame.lastBlock - frame.start] = (copy[frame.lastBlock - frame.start] ?? 0) & ~1;
  copy.set(EMPTY_LAST_BLOCK, blocksEnd);
  copy.set(data.subarray(frame.blocksEnd, frame.end), blocksEnd + EMPTY_LAST_BLOCK.length);
  const view = new OutputView(out.buffer as ArrayBuffer, out.byteOffset + offset, room);
  const tooLarge = (): Error => {
    if (limitedAt !== undefined) return new ImageTooLarge(limitedAt, limitedAt + 1);
    const declared = frame.contentBytes === undefined ? 'its blocks allow' : `the ${frame.contentBytes} bytes of content it declares`;
    return new Error(`zstd frame at offset ${frame.start} decodes to more than ${declared}`);
  };
  try {
    zstdCodec().decompress(copy, view);
  } catch (error) {
    if (view.produced > room || error instanceof RangeError) throw tooLarge();
    throw new Error(`corrupt zstd frame at offset ${frame.start}: ${(error as Error).message}`, { cause: error });
  }
  if (view.produced < 0) throw new Error(`corrupt zstd frame at offset ${frame.start}`);
  if (view.produced > room) throw tooLarge();
  if (frame.contentBytes !== undefined && view.produced !== frame.contentBytes) {
    throw new Error(`zstd frame at offset ${frame.start} declares ${frame.contentBytes} bytes of content but decodes to ${view.produced}`);
  }
  return view.produced;
}

/** A frame of raw and RLE blocks only (an empty frame, say): copied and filled without a decoder. */
function copyFrame(data: Uint8Array, frame: Frame, out: Uint8Array, offset: number, room: number, limitedAt: number | undefined): number {
  if (frame.certainBytes > room) {
    if (limitedAt !== undefined) throw new ImageTooLarge(limitedAt, limitedAt + 1);
    throw new Error(`zstd frame at offset ${frame.start} holds more than it declares`);
  }
  let produced = 0;
  for (let at = frame.firstBlock; at < frame.blocksEnd; ) {
    const header = littleEndian(data, at, BLOCK_HEADER_BYTES);
    const size = header >>> 3;
    at += BLOCK_HEADER_BYTES;
    if (((header >> 1) & 3) === 1) {
      out.fill(byte(data, at), offset + produced, offset + produced + size);
      at += 1;
    } else {
      out.set(data.subarray(at, at + size), offset + produced);
      at += size;
    }
    produced += size;
  }
  if (frame.contentBytes !== undefined && produced !== frame.contentBytes) {
    throw new Error(`zstd frame at offset ${frame.start} declares ${frame.contentBytes} bytes of content but decodes to ${produced}`);
  }
  return produced;
}

/** A frame's layout from its headers; a skippable frame gives just where the next one starts. */
function walkFrame(data: Uint8Array, start: number, maxBytes: number): Frame | number {
  const magic = u32(data, start);
  if ((magic & SKIPPABLE_MAGIC_MASK) >>> 0 === SKIPPABLE_MAGIC) {
    const next = start + 8 + u32(data, start + 4);
    if (next > data.length) throw new Error('zstd data ends inside a skippable frame');
    return next;
  }
  if (magic !== FRAME_MAGIC) throw new Error(`no zstd frame at offset ${start}`);
  const descriptor = byte(data, start + 4);
  if ((descriptor & 0x08) !== 0) throw new Error(`reserved bit set in the zstd frame header at offset ${start}`);
  const singleSegment = (descriptor & 0x20) !== 0;
  let at = start + 5;
  const windowDescriptor = singleSegment ? 0 : byte(data, at++);
  at += DICTIONARY_ID_BYTES[descriptor & 3] ?? 0;
  const fcsBytes = FCS_BYTES[descriptor >> 6] === 0 && singleSegment ? 1 : (FCS_BYTES[descriptor >> 6] ?? 0);
  const contentBytes = fcsBytes === 0 ? undefined : littleEndian(data, at, fcsBytes) + (fcsBytes === 2 ? 256 : 0);
  at += fcsBytes;
  const windowBytes = singleSegment ? (contentBytes ?? 0) : windowSize(windowDescriptor);
  // A window past the image limit (or zstd's own 128 MiB) cannot be a module's; under 8 MiB a
  // window costs nothing here, so small limits (a test's) do not refuse ordinary frames.
  const windowLimit = Math.min(MAX_ZSTD_WINDOW_BYTES, Math.max(maxBytes, SMALL_WINDOW_BYTES));
  if (!singleSegment && windowBytes > windowLimit) throw new Error(`zstd frame at offset ${start} asks for a ${windowBytes}-byte window, more than the limit of ${windowLimit}`);
  if (contentBytes !== undefined && contentBytes > maxBytes) throw new ImageTooLarge(maxBytes, contentBytes);
  const blockMax = Math.min(windowBytes, MAX_BLOCK_BYTES);
  let exactBytes = 0;
  let boundBytes = 0;
  let lastBlock = at;
  const firstBlock = at;
  let compressed = false;
  for (let last = false; !last; ) {
    lastBlock = at;
    const header = littleEndian(data, at, BLOCK_HEADER_BYTES);
    last = (header & 1) === 1;
    const type = (header >> 1) & 3;
    const size = header >>> 3;
    at += BLOCK_HEADER_BYTES;
    if (type === 3) throw new Error(`reserved zstd block type at offset ${lastBlock}`);
    if (type === 2) {
      boundBytes += blockMax;
      compressed = true;
    }
    else exactBytes += size;
    if (contentBytes === undefined && exactBytes > maxBytes) throw new ImageTooLarge(maxBytes, exactBytes);
    at += type === 1 ? 1 : size;
  }
  const blocksEnd = at;
  // fzstd counts bit positions in 32-bit integers: past 256 MiB of input a frame misdecodes.
  if (blocksEnd - start > MAX_FRAME_INPUT_BYTES) throw new Error(`zstd frame at offset ${start} is ${blocksEnd - start} bytes, more than the decoder's limit of ${MAX_FRAME_INPUT_BYTES}`);
  if ((descriptor & 0x04) !== 0) at += CHECKSUM_BYTES;
  if (at > data.length) throw new Error('zstd data ends inside a frame');
  if (contentBytes !== undefined && exactBytes > contentBytes) {
    throw new Error(`zstd frame at offset ${start} declares ${contentBytes} bytes of content but its blocks hold more`);
  }
  // Nor is room made for more than the blocks can produce (a 17-byte frame may claim 512 MiB).
  if (contentBytes !== undefined && contentBytes > exactBytes + boundBytes) {
    throw new Error(`zstd frame at offset ${start} declares ${contentBytes} bytes of content but its blocks can produce at most ${exactBytes + boundBytes}`);
  }
  const roomBytes = contentBytes ?? exactBytes + boundBytes;
  return { start, end: at, firstBlock, compressed, lastBlock, blocksEnd, contentBytes, roomBytes, certainBytes: contentBytes ?? exactBytes };
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
  if (at + count > data.length) throw new Error('zstd data ends inside a frame');
  let value = 0;
  for (let i = count - 1; i >= 0; i--) value = value * 256 + (data[at + i] ?? 0);
  return value;
}

const u32 = (data: Uint8Array, at: number): number => littleEndian(data, at, 4);
