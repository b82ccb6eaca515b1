import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { crc64 } from './crc64.js';
import { LzmaCorrupt, LzmaDecoder } from './lzma-decoder.js';
import { unfilterX86 } from './x86-bcj.js';
import { XzCorrupt, be16, byteAt, le32 } from './xz-fields.js';
import { walkXz, type XzBlock, type XzCheck } from './xz-streams.js';

// An .xz file decoded into one buffer of the image's exact size, which the chunk headers gave
// before anything was decoded: each block is decoded straight into its place in that buffer,
// which is also the block's dictionary, so the peak is the file plus the image (the native
// decoder this replaces cost a copy of each stream on top). Each block's check is verified over
// its bytes once the x86 filter, if any, is undone.

/** The image an .xz file holds; throws on corrupt data, and ImageTooLarge past `maxBytes` before decoding. */
export function decodeXz(data: Uint8Array, maxBytes: number): Uint8Array {
  // Walked twice: once for the size (and every structural check), then to decode each block.
  const image = new Uint8Array(walkXz(data, maxBytes));
  const decoder = new LzmaDecoder();
  let at = 0;
  walkXz(data, maxBytes, (block, check) => {
    const out = image.subarray(at, at + block.unpackedBytes);
    decoder.startBlock(out, block.dictBytes);
    decodeBlock(data, block, decoder);
    if (block.x86StartOffset !== undefined) unfilterX86(out, block.x86StartOffset);
    verifyCheck(data, block, check, out);
    at += block.unpackedBytes;
  });
  return image;
}

/** A block's LZMA2 chunks, in order, into the decoder's output (exactly the size they declare). */
function decodeBlock(data: Uint8Array, block: XzBlock, decoder: LzmaDecoder): void {
  let needDictionaryReset = true;
  let needProperties = true;
  let at = block.dataStart;
  for (let control = byteAt(data, at, 'LZMA2 data'); control !== 0; control = byteAt(data, at, 'LZMA2 data')) {
    // Control 1 and from 0xE0 up reset the dictionary; the first chunk of a block must.
    if (control === 1 || control >= 0xe0) {
      decoder.resetDictionary();
      needDictionaryReset = false;
      needProperties = true;
    } else if (needDictionaryReset) {
      throw new LzmaCorrupt(`the block at offset ${block.headerStart} does not begin with a dictionary reset`);
    }
    if (control < 0x80) {
      const bytes = be16(data, at + 1) + 1;
      decoder.copyUncompressed(data, at + 3, bytes);
      at += 3 + bytes;
      continue;
    }
    at = decodeLzmaChunk(data, at, control, decoder, needProperties);
    if (control >= 0xc0) needProperties = false;
  }
  if (decoder.pos !== block.unpackedBytes) throw new XzCorrupt(`the block at offset ${block.headerStart} decodes to ${decoder.pos} bytes, not ${block.unpackedBytes}`);
}

/** One LZMA chunk: its header (sizes, the resets it asks for, new properties), then its data; returns where the next chunk starts. */
function decodeLzmaChunk(data: Uint8Array, at: number, control: number, decoder: LzmaDecoder, needProperties: boolean): number {
  const unpackedBytes = (control & 0x1f) * 0x10000 + be16(data, at + 1) + 1;
  const packedBytes = be16(data, at + 3) + 1;
  let dataStart = at + 5;
  if (control >= 0xc0) {
    decoder.setProperties(byteAt(data, at + 5, 'LZMA2 data'));
    dataStart++;
  } else if (needProperties) {
    throw new LzmaCorrupt(`the chunk at offset ${at} comes before any properties`);
  } else if (control >= 0xa0) {
    decoder.resetState();
  }
  decoder.decodeChunk(data, dataStart, packedBytes, unpackedBytes);
  return dataStart + packedBytes;
}

function verifyCheck(data: Uint8Array, block: XzBlock, check: XzCheck, out: Uint8Array): void {
  const at = block.checkStart;
  let matches: boolean;
  switch (check) {
    case 0x00:
      return;
    case 0x01:
      matches = crc32(out) === le32(data, at, 'a block check');
      break;
    case 0x04:
      matches = Buffer.from(crc64(out)).equals(data.subarray(at, at + 8));
      break;
    case 0x0a:
      matches = createHash('sha256').update(out).digest().equals(data.subarray(at, at + 32));
      break;
  }
  if (!matches) throw new XzCorrupt(`the block at offset ${block.headerStart} fails its ${check === 0x01 ? 'CRC32' : check === 0x04 ? 'CRC64' : 'SHA-256'} check`);
}
