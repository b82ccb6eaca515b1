import { execFileSync } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import { xz } from '@napi-rs/lzma';
import type { Result } from '@kmodsim/cpu';
import { decompress, MAX_MODULE_BYTES, readModuleImage, type LinkerFailure, type ModuleImage } from '@kmodsim/linker';
import { fixtureBytes } from './fixtures.js';

// Compressed modules: a small file that claims gigabytes is refused after the decoder has
// counted just past the limit, never after decoding it all; the failure says where counting
// stopped, so the tests can hold the decoders to that without timing them.

const KiB = 1024;
const MiB = 1024 * KiB;
const ZSTD_MAX_BLOCK_BYTES = 128 * KiB;
const LZMA2_MAX_CHUNK_BYTES = 2 * MiB;

/**
 * A zstd frame of `blockCount` RLE blocks of 128 KiB of zeros: four bytes each, so 3 GiB of
 * zeros take 98 KB, as `head -c 3G /dev/zero | zstd` makes it. No content size is declared.
 */
function zstdZeros(blockCount: number): Uint8Array {
  const frame = [0x28, 0xb5, 0x2f, 0xfd, 0x00, 11 << 3]; // no content size; a 2 MiB window
  const bytes = new Uint8Array(frame.length + 4 * blockCount);
  bytes.set(frame);
  for (let block = 0; block < blockCount; block++) {
    const header = (ZSTD_MAX_BLOCK_BYTES << 3) | (1 << 1) | (block === blockCount - 1 ? 1 : 0);
    bytes.set([header & 0xff, (header >> 8) & 0xff, header >> 16, 0], frame.length + 4 * block);
  }
  return bytes;
}

/** xz(1)'s compression of `mebibytes` MiB of zeros, one stream of one block. */
function xzZeros(mebibytes: number): Uint8Array {
  return execFileSync('sh', ['-c', `head -c ${mebibytes}M /dev/zero | xz -0 -T1 --check=crc32`], { maxBuffer: 64 * MiB });
}

/** Where the decoder stopped counting, from a refusal's message. */
function countedBytes(result: Result<unknown, LinkerFailure>): number {
  if (result.ok) throw new Error('expected a refusal');
  const match = /exceeds (\d+) bytes \(refused after counting (\d+)\)/.exec(result.message);
  if (match === null) throw new Error(`unexpected message: ${result.message}`);
  expect(Number(match[1])).toBe(MAX_MODULE_BYTES);
  return Number(match[2]);
}

function refusal(run: () => Uint8Array): string {
  try {
    run();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected the decoder to refuse');
}

describe('decompression bombs', () => {
  test('the zstd builder makes real zstd data: four blocks decode to 512 KiB of zeros', () => {
    const image = decompress(zstdZeros(4), 'zstd');
    expect(image.length).toBe(4 * ZSTD_MAX_BLOCK_BYTES);
    expect(image.every((byte) => byte === 0)).toBe(true);
  });

  test('3 GiB of zeros in a 98 KB .ko.zst is ENOEXEC, refused one block past the 512 MiB limit', () => {
    const bomb = zstdZeros((3 * 1024 * MiB) / ZSTD_MAX_BLOCK_BYTES);
    expect(bomb.length).toBeLessThan(100 * KiB);
    const result = readModuleImage('bomb.ko.zst', bomb);
    expect(result).toMatchObject({ ok: false, errno: 'ENOEXEC', file: 'bomb.ko.zst' });
    expect(countedBytes(result)).toBe(MAX_MODULE_BYTES + ZSTD_MAX_BLOCK_BYTES);
  });

  test('520 MiB of zeros from xz(1) is ENOEXEC, refused within one LZMA2 chunk past the limit', () => {
    const result: Result<ModuleImage, LinkerFailure> = readModuleImage('bomb.ko.xz', xzZeros(520));
    expect(result).toMatchObject({ ok: false, errno: 'ENOEXEC', file: 'bomb.ko.xz' });
    const counted = countedBytes(result);
    expect(counted).toBeGreaterThan(MAX_MODULE_BYTES);
    expect(counted).toBeLessThanOrEqual(MAX_MODULE_BYTES + LZMA2_MAX_CHUNK_BYTES);
  });

  test('an xz image under a caller\'s limit decodes in full; over it, refused one chunk past', () => {
    const packed = xzZeros(8);
    expect(decompress(packed, 'xz').length).toBe(8 * MiB);
    expect(refusal(() => decompress(packed, 'xz', MiB))).toMatch(/^decompressed image exceeds 1048576 bytes \(refused after counting \d+\)$/);
    const counted = Number(/counting (\d+)/.exec(refusal(() => decompress(packed, 'xz', MiB)))?.[1]);
    expect(counted).toBeLessThanOrEqual(MiB + LZMA2_MAX_CHUNK_BYTES);
  });

  test('a zstd frame without a declared size is decoded into the room its blocks allow and stops at the limit', () => {
    // demo_lib.ko.zst declares its 6488 bytes; rewritten to declare only an 8 KiB window, the
    // decoder cannot know the size before decoding the (compressed) block.
    const original = fixtureBytes('demo_lib.ko.zst');
    expect(original[4]).toBe(0x64); // content size in 2 bytes, single segment, checksum
    const undeclared = new Uint8Array([0x28, 0xb5, 0x2f, 0xfd, 0x04, 3 << 3, ...original.subarray(7)]);
    const plain = fixtureBytes('demo_lib.ko');
    expect(decompress(undeclared, 'zstd')).toEqual(new Uint8Array(plain));
    expect(decompress(undeclared, 'zstd', plain.length)).toEqual(new Uint8Array(plain));
    expect(refusal(() => decompress(undeclared, 'zstd', 4 * KiB))).toMatch(/^decompressed image exceeds 4096 bytes \(refused after counting \d+\)$/);
  });

  test('gzip stops at the limit too, with the same refusal', () => {
    expect(refusal(() => decompress(fixtureBytes('demo_lib.ko.gz'), 'gzip', 4 * KiB))).toMatch(/^decompressed image exceeds 4096 bytes/);
  });
});

describe('concatenated .ko.xz streams', () => {
  test('a module split across xz streams (with stream padding) reads as the plain object does', () => {
    const plainBytes = fixtureBytes('demo_lib.ko');
    const streams = [xz.compressSync(plainBytes.subarray(0, 5000)), new Uint8Array(4), xz.compressSync(plainBytes.subarray(5000))];
    const joined = Buffer.concat(streams);
    const plain = readModuleImage('demo_lib.ko', plainBytes);
    const packed = readModuleImage('demo_lib.ko.xz', joined);
    if (!plain.ok || !packed.ok) throw new Error(plain.ok ? (packed as { message: string }).message : plain.message);
    expect(packed.value.compression).toBe('xz');
    expect(packed.value.modinfo).toEqual(plain.value.modinfo);
    expect(packed.value.exports).toEqual(plain.value.exports);
    expect(packed.value.versions).toEqual(plain.value.versions);
  });

  test('padding that is not a multiple of four bytes is ENOEXEC', () => {
    const plainBytes = fixtureBytes('demo_lib.ko');
    const joined = Buffer.concat([xz.compressSync(plainBytes.subarray(0, 5000)), new Uint8Array(3), xz.compressSync(plainBytes.subarray(5000))]);
    expect(readModuleImage('demo_lib.ko.xz', joined)).toMatchObject({ ok: false, errno: 'ENOEXEC', message: expect.stringMatching(/stream padding/) as unknown });
  });
});
