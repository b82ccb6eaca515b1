import { crc32 } from 'node:zlib';

// The small fields every part of an .xz file is made of: bytes that may be missing (a truncated
// file), little-endian 32-bit words, xz's variable-length integers, and the CRC32 that guards
// each header, the index and the footer.

export class XzCorrupt extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'XzCorrupt';
  }
}

export const truncated = (what: string): XzCorrupt => new XzCorrupt(`xz data ends inside ${what}`);

export function byteAt(data: Uint8Array, at: number, what: string): number {
  const value = data[at];
  if (value === undefined) throw truncated(what);
  return value;
}

export function le32(data: Uint8Array, at: number, what: string): number {
  if (at + 4 > data.length) throw truncated(what);
  return ((data[at] ?? 0) | ((data[at + 1] ?? 0) << 8) | ((data[at + 2] ?? 0) << 16) | ((data[at + 3] ?? 0) << 24)) >>> 0;
}

export const be16 = (data: Uint8Array, at: number): number => byteAt(data, at, 'LZMA2 data') * 256 + byteAt(data, at + 1, 'LZMA2 data');

/** xz's variable-length integer: seven bits a byte, least significant first, at most nine bytes. */
export function vli(data: Uint8Array, start: number, what: string): { value: number; next: number } {
  let value = 0;
  for (let i = 0; i < 9; i++) {
    const b = byteAt(data, start + i, what);
    // A zero byte after the first would be a second spelling of a shorter number: xz refuses it.
    if (i > 0 && b === 0) throw new XzCorrupt(`xz integer at offset ${start} in ${what} is not in its shortest form`);
    value += (b & 0x7f) * 2 ** (7 * i);
    if ((b & 0x80) === 0) return { value, next: start + i + 1 };
  }
  throw new XzCorrupt(`xz integer at offset ${start} in ${what} is longer than nine bytes`);
}

/** Checks the CRC32 stored little-endian at `crcAt` over data[start, end). */
export function expectCrc32(data: Uint8Array, start: number, end: number, crcAt: number, what: string): void {
  if (end > data.length) throw truncated(what);
  if (crc32(data.subarray(start, end)) !== le32(data, crcAt, what)) throw new XzCorrupt(`xz ${what} at offset ${start} fails its CRC32`);
}

/** Whether data[start, end) is all zero bytes (the padding the format fills with zeros). */
export function isZero(data: Uint8Array, start: number, end: number): boolean {
  for (let at = start; at < end; at++) if (data[at] !== 0) return false;
  return true;
}
