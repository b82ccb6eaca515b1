import { XzCorrupt, byteAt, expectCrc32, isZero, le32, truncated, vli } from './xz-fields.js';

// A stream's index and footer (xz file format, sections 4 and 2.1.2). The index lists every
// block's sizes again, and the footer repeats the stream flags and says how long the index is:
// both must agree with the blocks as they were walked, as xz(1) and the kernel insist.

const FOOTER_BYTES = 12;
const FOOTER_MAGIC = [0x59, 0x5a];

/**
 * The index records a stream's blocks make. Kept as the index holds them they would cost memory
 * in proportion to the blocks (a file may hold millions), so kept as liblzma keeps them: their
 * count and a hash of their sizes, compared with the same hash of the index's own records. (The
 * hash needs no strength: it tells an index that disagrees with its blocks, as a file damaged
 * or edited by hand would; the CRC32s guard against damage in transit.)
 */
export class IndexRecords {
  count = 0;
  hash = 0;

  /** A block of `unpaddedBytes` (header, compressed data and check, without padding) decoding to `unpackedBytes`. */
  add(unpaddedBytes: number, unpackedBytes: number): void {
    this.count++;
    this.hash = mix(mix(this.hash, unpaddedBytes), unpackedBytes);
  }
}

/** One size (below 2^53) into the hash, both of its 32-bit halves. */
function mix(hash: number, value: number): number {
  const low = value % 0x100000000;
  const high = (value - low) / 0x100000000;
  return (Math.imul(Math.imul(hash ^ low, 0x9e3779b1) ^ high, 0x85ebca6b) + 0x7f4a7c15) | 0;
}

/** Checks the index at `start` (its indicator byte) against the blocks; returns where it ends. */
export function checkIndex(data: Uint8Array, start: number, blocks: IndexRecords): number {
  const count = vli(data, start + 1, 'the index');
  if (count.value !== blocks.count) throw new XzCorrupt(`xz index at offset ${start} lists ${count.value} blocks, but the stream has ${blocks.count}`);
  const records = new IndexRecords();
  let at = count.next;
  for (let record = 0; record < blocks.count; record++) {
    const unpadded = vli(data, at, 'the index');
    const unpacked = vli(data, unpadded.next, 'the index');
    records.add(unpadded.value, unpacked.value);
    at = unpacked.next;
  }
  if (records.hash !== blocks.hash) throw new XzCorrupt(`xz index at offset ${start} does not match the blocks' sizes`);
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
