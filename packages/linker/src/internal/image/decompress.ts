import { gunzipSync } from 'node:zlib';
import { decompress as zstdDecompress } from 'fzstd';
import { xz } from '@napi-rs/lzma';

// Distributions ship modules as .ko.xz, .ko.zst or .ko.gz. Like kmod, the format is taken from
// the file's magic number, not its name. Node's zlib reads gzip; xz and zstd come from maintained
// libraries (Node 20 has no zstd). A decompressed image larger than the limit is refused rather
// than allocated: a tiny corrupt file must not claim gigabytes.

export type Compression = 'none' | 'gzip' | 'xz' | 'zstd';

const XZ_MAGIC = [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00];
const ZSTD_MAGIC = [0x28, 0xb5, 0x2f, 0xfd];
const GZIP_MAGIC = [0x1f, 0x8b];

/** No real module comes near this: the largest Debian module is under 20 MiB uncompressed. */
export const MAX_MODULE_BYTES = 512 * 1024 * 1024;

const startsWith = (data: Uint8Array, magic: readonly number[]): boolean => magic.every((byte, i) => data[i] === byte);

export function compressionOf(data: Uint8Array): Compression {
  if (startsWith(data, XZ_MAGIC)) return 'xz';
  if (startsWith(data, ZSTD_MAGIC)) return 'zstd';
  if (startsWith(data, GZIP_MAGIC)) return 'gzip';
  return 'none';
}

/** The uncompressed image; throws on corrupt compressed data (callers turn it into ENOEXEC). */
export function decompress(data: Uint8Array, compression: Compression): Uint8Array {
  switch (compression) {
    case 'none':
      return data;
    case 'gzip':
      return gunzipSync(data, { maxOutputLength: MAX_MODULE_BYTES });
    case 'xz':
      return checkedSize(xz.decompressSync(data));
    case 'zstd':
      return checkedSize(zstdDecompress(data));
  }
}

function checkedSize(image: Uint8Array): Uint8Array {
  if (image.length > MAX_MODULE_BYTES) throw new RangeError(`decompressed image of ${image.length} bytes exceeds ${MAX_MODULE_BYTES}`);
  return image;
}
