import { defect } from './defect.js';
import { NameBudget } from './name-budget.js';

// Bounds-checked little-endian reads over a file image. Every read names what it was reading so
// a defect message says which field ran off the end.

export class Bytes {
  readonly length: number;
  private readonly view: DataView;
  /** A Buffer over the same memory: native indexOf and latin1 decoding for strings. */
  private readonly buffer: Buffer;
  /** What the names read from this file may cost in all (see MAX_NAME_BYTES). */
  private readonly names = new NameBudget();

  constructor(readonly data: Uint8Array) {
    this.length = data.length;
    this.view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    this.buffer = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  }

  check(offset: number, size: number, what: string): void {
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(size) || offset < 0 || size < 0 || offset + size > this.length) {
      defect(`${what} at offset ${offset} (${size} bytes) lies outside the ${this.length}-byte file`);
    }
  }

  u8(offset: number, what: string): number {
    this.check(offset, 1, what);
    return this.view.getUint8(offset);
  }

  u16(offset: number, what: string): number {
    this.check(offset, 2, what);
    return this.view.getUint16(offset, true);
  }

  u32(offset: number, what: string): number {
    this.check(offset, 4, what);
    return this.view.getUint32(offset, true);
  }

  i32(offset: number, what: string): number {
    this.check(offset, 4, what);
    return this.view.getInt32(offset, true);
  }

  u64(offset: number, what: string): bigint {
    this.check(offset, 8, what);
    return this.view.getBigUint64(offset, true);
  }

  i64(offset: number, what: string): bigint {
    this.check(offset, 8, what);
    return this.view.getBigInt64(offset, true);
  }

  /** A 64-bit field that must hold a file offset or size: anything past 2^53 is absurd. */
  u64AsNumber(offset: number, what: string): number {
    const value = this.u64(offset, what);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) defect(`${what} is absurd (${value})`);
    return Number(value);
  }

  /** The NUL-terminated string starting at `offset`, which must end before `limit`. */
  cString(offset: number, limit: number, what: string): string {
    this.check(offset, 0, what);
    const end = this.buffer.indexOf(0, offset);
    if (end < 0 || end >= limit) defect(`${what} at offset ${offset} is not NUL-terminated inside its table`);
    return this.buffer.toString('latin1', offset, end);
  }

  /** A section, symbol or namespace name: a cString counted against the file's MAX_NAME_BYTES. */
  name(offset: number, limit: number, what: string): string {
    const name = this.cString(offset, limit, what);
    this.names.spend(name.length);
    return name;
  }

  /** Whether the bytes at `offset` begin with `prefix` (ASCII), without decoding a string. */
  startsWith(offset: number, prefix: Uint8Array): boolean {
    if (offset + prefix.length > this.length) return false;
    for (let i = 0; i < prefix.length; i++) if (this.data[offset + i] !== prefix[i]) return false;
    return true;
  }

  latin1(start: number, end: number): string {
    this.check(start, end - start, 'string');
    return this.buffer.toString('latin1', start, end);
  }

  slice(offset: number, size: number, what: string): Uint8Array {
    this.check(offset, size, what);
    return this.data.subarray(offset, offset + size);
  }
}
