import { readSync } from 'node:fs';
import { defect } from '../elf/defect.js';

// depmod needs a few small parts of each module (its section headers, .modinfo, __versions, the
// symbol and string tables), about a sixth of the file's bytes on a Debian tree. Reading whole
// files copies the rest for nothing, so the summary reader asks for byte ranges through this
// window: over an image already in memory (a decompressed module), or over an open file, where
// each missing range is fetched with one positioned read into a reusable arena.

export interface ByteWindow {
  /** The file's length: every range asked for must lie inside it. */
  readonly size: number;
  /**
   * The bytes [offset, offset + length), a view valid until the window moves to another file.
   * `slackBefore` asks to fetch up to that many bytes before the range as well, in the same read,
   * when they will probably be wanted next (the section names just before the section headers).
   */
  bytes(offset: number, length: number, what: string, slackBefore?: number): Buffer;
  /** Fetches ranges that will be wanted, merging close ones into one read. Ranges are [start, end). */
  prefetch(ranges: readonly (readonly [number, number])[]): void;
}

function checkRange(size: number, offset: number, length: number, what: string): void {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > size) {
    defect(`${what} at offset ${offset} (${length} bytes) lies outside the ${size}-byte file`);
  }
}

export class MemoryWindow implements ByteWindow {
  readonly size: number;
  private readonly buffer: Buffer;

  constructor(data: Uint8Array) {
    this.buffer = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    this.size = data.byteLength;
  }

  bytes(offset: number, length: number, what: string): Buffer {
    checkRange(this.size, offset, length, what);
    return this.buffer.subarray(offset, offset + length);
  }

  prefetch(): void {
    // Everything is in memory already.
  }
}

/** Two wanted ranges closer than this are fetched by one read: a syscall costs more than 4 KiB of copying. */
const MERGE_GAP_BYTES = 4096;
const INITIAL_ARENA_BYTES = 1 << 20;

interface Chunk {
  start: number;
  end: number;
  view: Buffer;
}

/**
 * A window over an open file descriptor. One instance is reused for file after file (`moveTo`),
 * so the arena and chunk list are allocated once; views from an earlier file must not be kept.
 */
export class FileWindow implements ByteWindow {
  size = 0;
  private fd = -1;
  /** Allocated on the first read, so that importing the package costs nothing. */
  private arena: Buffer = Buffer.alloc(0);
  private arenaUsed = 0;
  private readonly chunks: Chunk[] = [];

  moveTo(fd: number, size: number): void {
    this.fd = fd;
    this.size = size;
    this.arenaUsed = 0;
    this.chunks.length = 0;
  }

  bytes(offset: number, length: number, what: string, slackBefore = 0): Buffer {
    checkRange(this.size, offset, length, what);
    const end = offset + length;
    for (const chunk of this.chunks) {
      if (chunk.start <= offset && end <= chunk.end) return chunk.view.subarray(offset - chunk.start, end - chunk.start);
    }
    const start = Math.max(0, offset - slackBefore);
    const chunk = this.load(start, end);
    return chunk.view.subarray(offset - start, end - start);
  }

  prefetch(ranges: readonly (readonly [number, number])[]): void {
    const wanted = ranges.filter(([start, end]) => start >= 0 && end > start && end <= this.size && !this.covered(start, end)).sort((a, b) => a[0] - b[0]);
    let current: [number, number] | undefined;
    for (const [start, end] of wanted) {
      if (current !== undefined && start <= current[1] + MERGE_GAP_BYTES) {
        current[1] = Math.max(current[1], end);
        continue;
      }
      if (current !== undefined) this.load(current[0], current[1]);
      current = [start, end];
    }
    if (current !== undefined) this.load(current[0], current[1]);
  }

  private covered(start: number, end: number): boolean {
    return this.chunks.some((chunk) => chunk.start <= start && end <= chunk.end);
  }

  private load(start: number, end: number): Chunk {
    const length = end - start;
    if (this.arenaUsed + length > this.arena.length) {
      // Views into the old arena stay valid: they keep it alive until this file is done.
      this.arena = Buffer.allocUnsafeSlow(Math.max(INITIAL_ARENA_BYTES, 2 * length));
      this.arenaUsed = 0;
    }
    const view = this.arena.subarray(this.arenaUsed, this.arenaUsed + length);
    this.arenaUsed += length;
    let filled = 0;
    while (filled < length) {
      const got = readSync(this.fd, view, filled, length - filled, start + filled);
      if (got === 0) defect(`file ended at offset ${start + filled} while reading ${length} bytes at ${start}`);
      filled += got;
    }
    const chunk = { start, end, view };
    this.chunks.push(chunk);
    return chunk;
  }
}
