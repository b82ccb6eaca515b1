import { lzmaCodecs } from '../image/codecs.js';
import { gunzip } from '../image/decompress.js';
import { ImageTooLarge } from '../image/image-too-large.js';
import { unfilterX86 } from '../image/x86-bcj.js';
import { walkXz, type XzBlock } from '../image/xz-streams.js';
import { decompressZstd } from '../image/zstd-frames.js';

// The compressed vmlinux of a bzImage, decompressed. The kernel can be built with any of
// seven compressors (CONFIG_KERNEL_*); kmodsim reads the three its module reader already has
// decoders for: xz (Debian, Fedora, Ubuntu before 21.10), zstd (Arch, recent Ubuntu) and gzip.
// An xz kernel is compressed with the x86 BCJ filter before LZMA2 (scripts/xz_wrap.sh), which
// lzma-rs does not know: its blocks are decoded as raw LZMA2 and the filter undone here.
// lzma-rs decodes the 66 MB vmlinux about twice as fast as kmodsim's own xz decoder (which
// modules use, since it needs no copy beside the image): memory is no concern at that size.

export type KernelCompression = 'none' | 'gzip' | 'xz' | 'zstd' | 'lzma' | 'bzip2' | 'lzo' | 'lz4';

const MAGICS: readonly (readonly [KernelCompression, readonly number[]])[] = [
  ['none', [0x7f, 0x45, 0x4c, 0x46]],
  ['gzip', [0x1f, 0x8b]],
  ['xz', [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
  ['zstd', [0x28, 0xb5, 0x2f, 0xfd]],
  ['bzip2', [0x42, 0x5a, 0x68]],
  ['lzo', [0x89, 0x4c, 0x5a, 0x4f]],
  ['lz4', [0x02, 0x21, 0x4c, 0x18]],
  ['lzma', [0x5d, 0x00, 0x00]],
];

export function kernelCompressionOf(payload: Uint8Array): KernelCompression | undefined {
  return MAGICS.find(([, magic]) => magic.every((byte, i) => payload[i] === byte))?.[0];
}

/**
 * The vmlinux a payload holds; throws on corrupt or unsupported data, and ImageTooLarge when it
 * would pass `maxBytes`. The size the payload declares in its last four bytes must be the size
 * decoded: a check on the whole decompression, the BCJ filter included in its length only.
 */
export function decompressKernelPayload(payload: Uint8Array, compression: KernelCompression, maxBytes: number): Uint8Array {
  const declaredBytes = new DataView(payload.buffer, payload.byteOffset + payload.length - 4, 4).getUint32(0, true);
  if (declaredBytes > maxBytes) throw new ImageTooLarge(maxBytes, declaredBytes);
  const image = decode(payload, compression, maxBytes);
  if (image.length !== declaredBytes) throw new Error(`the payload decompressed to ${image.length} bytes, not the ${declaredBytes} it declares`);
  return image;
}

function decode(payload: Uint8Array, compression: KernelCompression, maxBytes: number): Uint8Array {
  // Every compressor but gzip is followed by the four size bytes (scripts/Makefile.lib size_append).
  const compressed = payload.subarray(0, payload.length - 4);
  switch (compression) {
    case 'gzip':
      return gunzip(payload, maxBytes);
    case 'xz':
      return decompressXzKernel(compressed, maxBytes);
    case 'zstd':
      return decompressZstd(compressed, maxBytes);
    case 'none':
    case 'lzma':
    case 'bzip2':
    case 'lzo':
    case 'lz4':
      throw new Error(`a kernel compressed with ${compression} cannot be decompressed by kmodsim (it reads xz, zstd and gzip)`);
  }
}

/** Each block as raw LZMA2, its BCJ filter undone; the sizes were counted from chunk headers first. */
function decompressXzKernel(data: Uint8Array, maxBytes: number): Uint8Array {
  const imageBytes = walkXz(data, maxBytes);
  let image: Uint8Array | undefined;
  let offset = 0;
  walkXz(data, maxBytes, (block) => {
    const part = decodeBlock(data, block);
    // The usual kernel is one block: its decoded buffer is the image, without a second copy.
    if (part.length === imageBytes) {
      image = part;
      return;
    }
    image ??= new Uint8Array(imageBytes);
    image.set(part, offset);
    offset += part.length;
  });
  return image ?? new Uint8Array(0);
}

function decodeBlock(data: Uint8Array, block: XzBlock): Uint8Array {
  const part = lzmaCodecs().lzma2.decompressSync(data.subarray(block.dataStart, block.dataEnd));
  if (part.length !== block.unpackedBytes) throw new Error(`an xz block decoded to ${part.length} bytes, not the ${block.unpackedBytes} its chunks declare`);
  if (block.x86StartOffset !== undefined) unfilterX86(part, block.x86StartOffset);
  return part;
}
