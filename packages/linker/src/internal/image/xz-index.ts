import { XzCorrupt, byteAt, expectCrc32, isZero, le32, truncated, vli } from './xz-fields.js';

// A stream's index and footer (xz file format, sections 4 and 2.1.2). The index lists every
// block's sizes again, and the footer repeats the stream flags and says how long the index is:
// both must agree with the blocks as they were walked, as xz(1) and the kernel insist.

const FOOTER_BYTES = 12;
const FOOTER_MAGIC = [0x59, 0x5a];

/** A block as the index records it. */
export interface IndexedBlock {
  /** Header, compressed data and check, without the block padding. */
  readonly unpaddedBytes: number;
  readonly unpackedBytes: number;
}

/** Checks the index at `start` (its indicator byte) against the blocks; returns where it ends. */
export function checkIndex(data: Uint8Array, start: number, blocks: readonly IndexedBlock[]): number {
  const count = vli(data, start + 1, 'the index');
  if (count.value !== blocks.length) throw new XzCorrupt(`xz index at offset ${start} lists ${count.value} blocks, but the stream has ${blocks.length}`);
  let at = count.next;
  for (const [i, block] of blocks.entries()) {
    const unpadded = vli(data, at, 'the index');
    const unpacked = vli(data, unpadded.next, 'the index');
    at = unpacked.next;
    if (unpadded.value !== block.unpaddedBytes || unpacked.value !== block.unpackedBytes) {
      throw new XzCorrupt(`xz index at offset ${start} does not match block ${i + 1}'s sizes`);
    }
  }
  const padded = at + ((4 - ((at - start) % 4)) % 4);
  if (padded > data.length) throw truncated('the index');
  if (!isZero(data, at, padded)) throw new XzCorrupt(`xz index at offset ${start} has non-zero padding`);
  expectCrc32(data, start, padded, padded, 'index');
  return padded + 4;
}

/** Checks the footer at `at` against the stream's flags and its index; returns where the stream ends. */
export function checkFooter(data: Uint8Array, at: number, streamFlags: number, indexBytes: number): number {
  if (at + FOOTER_BYTES > data.length) throw truncated('the stream footer');
  if (!FOOTER_MAGIC.every((b, i) => data[at + 10 + i] === b)) throw new XzCorrupt(`no xz stream footer at offset ${at}`);
  expectCrc32(data, at + 4, at + 10, at, 'stream footer');
  if ((le32(data, at + 4, 'the stream footer') + 1) * 4 !== indexBytes) throw new XzCorrupt(`xz stream footer at offset ${at} gives the index's size wrongly`);
  const flags = byteAt(data, at + 8, 'the stream footer') * 256 + byteAt(data, at + 9, 'the stream footer');
  if (flags !== streamFlags) throw new XzCorrupt(`xz stream footer at offset ${at} does not repeat the stream header's flags`);
  return at + FOOTER_BYTES;
}
