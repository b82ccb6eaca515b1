import { execFileSync } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import { decompress, readModuleImage } from '@kmodsim/linker';
import { fixtureBytes } from './fixtures.js';
import { xzResettingChunks } from '../fuzz/craft.js';

// kmodsim's own xz decoder against xz(1): every kind of file xz writes (each check, several
// blocks, the x86 filter, unusual literal and position settings) decodes to the bytes xz was
// given, and a file changed anywhere that matters is refused with ENOEXEC, never read wrong.

const MiB = 1024 * 1024;

/** What xz(1) makes of `plain` with these options. */
function xzOf(plain: Uint8Array, options: readonly string[]): Uint8Array {
  return new Uint8Array(execFileSync('xz', ['-c', '-T1', ...options], { input: plain, maxBuffer: 64 * MiB }));
}

/**
 * 1.5 MiB from a seeded generator, made to use every part of LZMA: runs of random bytes (literals,
 * and an incompressible stretch that xz stores as uncompressed chunks) and copies of what came
 * before from up to 1 MiB back (every distance slot, rep matches, matches across chunk ends).
 */
function mixedData(): Uint8Array {
  const out = new Uint8Array(1.5 * MiB);
  let seed = 0x2545f491;
  const next = (below: number): number => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) % below;
  };
  let pos = 0;
  while (pos < out.length) {
    const randomStretch = pos > MiB && pos < MiB + 150_000;
    if (randomStretch || pos < 16 || next(10) < 3) {
      const end = Math.min(out.length, pos + 1 + next(300));
      while (pos < end) out[pos++] = next(256);
    } else {
      const distance = 1 + next(Math.min(pos, MiB));
      const end = Math.min(out.length, pos + 2 + next(400));
      for (; pos < end; pos++) out[pos] = out[pos - distance] ?? 0;
    }
  }
  return out;
}

describe('xz(1)\'s files decode to what it was given', () => {
  const plain = mixedData();
  test.each([
    ['the kernel\'s own settings (CRC32, 1 MiB dictionary)', ['--check=crc32', '--lzma2=dict=1MiB']],
    ['xz\'s default (CRC64)', ['--check=crc64']],
    ['SHA-256 at -9', ['--check=sha256', '-9']],
    ['no check, -0', ['--check=none', '-0']],
    ['several blocks', ['--block-size=700KiB']],
    ['blocks of 100 bytes (one decoder serves them all)', ['--block-size=100', '-0']],
    ['the x86 filter before LZMA2', ['--x86', '--lzma2=preset=6']],
    ['lc=0 lp=4 pb=4', ['--lzma2=lc=0,lp=4,pb=4']],
    ['lc=4 lp=0 pb=0, a 4 KiB dictionary', ['--lzma2=lc=4,lp=0,pb=0,dict=4KiB']],
  ])('%s', (_what, options) => {
    expect(Buffer.from(decompress(xzOf(plain, options), 'xz')).equals(plain)).toBe(true);
  });

  test('chunks that each reset the dictionary, the state and the properties decode as xz(1) decodes them', () => {
    // Each chunk's literal tables are reset when it first uses them (not all 16 at each reset).
    const packed = xzResettingChunks(1000);
    expect(Buffer.from(decompress(packed, 'xz')).equals(Buffer.from(execFileSync('xz', ['-dc'], { input: packed })))).toBe(true);
  });

  test('a module compressed as the kernel compresses modules reads as the plain object does', () => {
    const packed = readModuleImage('demo_lib.ko.xz', xzOf(fixtureBytes('demo_lib.ko'), ['--check=crc32', '--lzma2=dict=1MiB']));
    const plain = readModuleImage('demo_lib.ko', fixtureBytes('demo_lib.ko'));
    if (!packed.ok || !plain.ok) throw new Error('unreadable');
    expect(packed.value.exports).toEqual(plain.value.exports);
    expect(packed.value.modinfo).toEqual(plain.value.modinfo);
  });
});

describe('a changed file is refused, never read wrong', () => {
  const plain = fixtureBytes('demo_lib.ko');
  const packed = xzOf(plain, ['--check=crc64']);
  const changed = (at: number, value: (old: number) => number): Uint8Array => {
    const bytes = new Uint8Array(packed);
    bytes[at] = value(bytes[at] ?? 0);
    return bytes;
  };
  const message = (bytes: Uint8Array): string => {
    const result = readModuleImage('x.ko.xz', bytes);
    expect(result).toMatchObject({ ok: false, errno: 'ENOEXEC' });
    return result.ok ? '' : result.message;
  };

  test('the check of a block', () => {
    const checkAt = packed.length - 12 - 12 - 8; // footer, a one-block index, the CRC64
    expect(message(changed(checkAt, (b) => b ^ 1))).toMatch(/fails its CRC64 check$/);
  });

  test('the stream header\'s flags, the index and the footer each fail their CRC32', () => {
    expect(message(changed(7, () => 0x01))).toMatch(/stream header at offset 6 fails its CRC32/);
    expect(message(changed(packed.length - 12 - 3, (b) => b ^ 1))).toMatch(/index at offset \d+ fails its CRC32/);
    expect(message(changed(packed.length - 3, (b) => b ^ 1))).toMatch(/stream footer at offset \d+ fails its CRC32/);
  });

  test('every single byte of the compressed data changed in turn: refused or, if still valid, the same bytes', () => {
    for (let at = 0; at < packed.length; at++) {
      const result = (() => {
        try {
          return decompress(changed(at, (b) => b ^ 0x55), 'xz');
        } catch (error) {
          return error as Error;
        }
      })();
      if (result instanceof Error) expect(result).not.toBeInstanceOf(RangeError);
      else expect(Buffer.from(result).equals(plain)).toBe(true);
    }
  });
});
