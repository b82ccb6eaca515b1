import { gunzipSync } from 'node:zlib';
import { ImageTooLarge } from './image-too-large.js';
import { decodeXz } from './xz-decode.js';
import { decompressZstd } from './zstd-frames.js';
import { MAX_MODULE_BYTES } from '../limits.js';

// Distributions ship modules as .ko.xz, .ko.zst or .ko.gz. Like kmod, the format is taken from
// the file's magic number, not its name. Node's zlib reads gzip, zstd comes from a maintained
// library (Node 20 has no zstd), and xz from kmodsim's own decoder (xz-decode.ts), which writes
// straight into the image. A decompressed image larger than the limit is refused rather than
// allocated: a tiny corrupt file must not claim gigabytes, so every decoder counts the image as
// it goes and stops as soon as it passes the limit (xz and zstd from their chunk and block
// headers, before decoding; gzip through zlib's maxOutputLength).

export type Compression = 'none' | 'gzip' | 'xz' | 'zstd';

const XZ_MAGIC = [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00];
const ZSTD_MAGIC = [0x28, 0xb5, 0x2f, 0xfd];
const GZIP_MAGIC = [0x1f, 0x8b];

/** No real module comes near this: the largest Debian module is under 20 MiB uncompressed. */
export { MAX_MODULE_BYTES };

const startsWith = (data: Uint8Array, magic: readonly number[]): boolean => magic.every((byte, i) => data[i] === byte);

export function compressionOf(data: Uint8Array): Compression {
  if (startsWith(data, XZ_MAGIC)) return 'xz';
  if (startsWith(data, ZSTD_MAGIC)) return 'zstd';
  if (startsWith(data, GZIP_MAGIC)) return 'gzip';
  return 'none';
}

/**
 * The uncompressed image; throws on corrupt compressed data (callers turn it into ENOEXEC), and
 * a RangeError as soon as the image passes `maxBytes`, without decoding the rest.
 */
export function decompress(data: Uint8Array, compression: Compression, maxBytes = MAX_MODULE_BYTES): Uint8Array {
  switch (compression) {
    case 'none':
      return data;
    case 'gzip':
      return gunzip(data, maxBytes);
    case 'xz':
      return decodeXz(data, maxBytes);
    case 'zstd':
      return decompressZstd(data, maxBytes);
  }
}

/** gzip data, refused once it would pass `maxBytes`. */
export function gunzip(data: Uint8Array, maxBytes: number): Uint8Array {
  // A gzip member ends with its size (mod 2^32): zlib writes into one buffer of that size, so the
  // image is not also collected in pieces and copied (a lying size only costs the copy again).
  const declared = data.length >= 4 ? new DataView(data.buffer, data.byteOffset + data.length - 4, 4).getUint32(0, true) : 0;
  const chunkSize = Math.max(64 * 1024, Math.min(declared + 1, maxBytes + 1));
  try {
    return gunzipSync(data, { maxOutputLength: maxBytes, chunkSize });
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') throw new ImageTooLarge(maxBytes, maxBytes + 1);
    throw error;
  }
}
