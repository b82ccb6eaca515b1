import { growFloat64, growInt32, growUint8, loadFloat64, loadInt32, loadUint8 } from './internal/growable.js';
import type { MemoryKind } from './ops.js';
import type { MemorySave } from './snapshot.js';
import type { ProfileCycles } from './profiles.js';
import type { CpuPlacement } from './topology.js';

/** Cells are 8 bytes; a 64-byte cache line holds eight of them. */
export const CELLS_PER_LINE = 8;
const LINE_SHIFT = 3;
const NO_OWNER = -1;
const NO_OBJECT = -1;

export interface MemObject {
  readonly id: number;
  readonly name: string;
  /** Address of the first cell. */
  readonly base: number;
  readonly cells: number;
  readonly kind: MemoryKind;
  /** What each cell holds, for a reader of a trace or a fault (`demo_chardev.live`); '' for none. */
  readonly fields?: readonly string[];
}

/** Where a line was found by an access: the cost class the profile charges. */
export type AccessSource = 'hit' | 'sameCore' | 'sameSocket' | 'otherSocket' | 'otherBoard' | 'memory';

/**
 * Simulated memory: cells grouped in cache lines, objects that can be freed (addresses are never
 * reused, so every access after a free is caught), and a MESI-style record per line of which CPU
 * holds it exclusively or which CPUs share it. An access is charged by where the line comes from.
 */
export class Memory {
  private values = new Float64Array(256);
  private cellObject = new Int32Array(256).fill(NO_OBJECT);
  private objectFreed = new Uint8Array(16);
  private readonly objects: MemObject[] = [];
  private nextAddress = 0;

  /** CPU holding the line Modified/Exclusive, or -1 when it is shared or only in memory. */
  private lineOwner = new Int32Array(32).fill(NO_OWNER);
  /**
   * When the line last arrived in a cache (or was written): a CPU cannot take it from there
   * earlier, so cause comes before effect whatever order the scheduler ran the CPUs in.
   */
  private lineReadyCycles = new Float64Array(32);
  /**
   * Sharers of each line in Shared state, as a bitset of `sharerWords` 32-bit words per line
   * (one word up to 32 CPUs), and how many sharers each line has so empty lines cost nothing.
   */
  private sharerBits: Int32Array<ArrayBuffer>;
  private sharerCount = new Int32Array(32);
  private readonly sharerWords: number;
  /** Cost of each source class, indexed by SOURCE_* below. */
  private readonly sourceCycles: Float64Array;
  private lastSourceClass = SOURCE_HIT;
  /**
   * Per CPU, the cycles its accesses spent on coherence traffic: bringing a line from another
   * CPU's cache, or waiting for a line another CPU's transfer holds. A fetch from memory (no cache
   * has the line) is a miss, not coherence traffic; its wait behind another CPU's transfer is.
   */
  private readonly coherence: Float64Array;

  private readonly coreOf: Int32Array;
  private readonly socketOf: Int32Array;
  private readonly boardOf: Int32Array;

  constructor(
    private readonly cpuCount: number,
    placement: CpuPlacement,
    cycles: ProfileCycles,
  ) {
    this.sourceCycles = Float64Array.from(SOURCE_NAMES, (name) => cycles[name]);
    this.coherence = new Float64Array(cpuCount);
    this.sharerWords = Math.ceil(cpuCount / 32);
    this.sharerBits = new Int32Array(32 * this.sharerWords);
    this.coreOf = placement.core;
    this.socketOf = placement.socket;
    this.boardOf = placement.board;
  }

  /** Where the line of the last access came from. */
  get lastSource(): AccessSource {
    return SOURCE_NAMES[this.lastSourceClass] ?? 'hit';
  }

  /** Cycles `cpu` has spent on coherence traffic so far (see `coherence`). */
  coherenceCyclesOf(cpu: number): number {
    return this.coherence[cpu] ?? 0;
  }

  allocate(name: string, cells: number, kind: MemoryKind, lineAligned: boolean, fields?: readonly string[]): MemObject {
    if (!Number.isInteger(cells) || cells < 1 || cells > 1 << 24) {
      throw new RangeError(`cannot allocate ${String(cells)} cells for ${name}`);
    }
    const base = lineAligned ? alignUp(this.nextAddress) : this.nextAddress;
    const end = lineAligned ? alignUp(base + cells) : base + cells;
    const object: MemObject = { id: this.objects.length, name, base, cells, kind, ...(fields === undefined ? {} : { fields }) };
    this.objects.push(object);
    this.nextAddress = end;
    this.values = growFloat64(this.values, end);
    this.cellObject = growInt32(this.cellObject, end, NO_OBJECT);
    this.cellObject.fill(object.id, base, base + cells);
    this.objectFreed = growUint8(this.objectFreed, this.objects.length);
    const lines = (end >>> LINE_SHIFT) + 1;
    this.lineOwner = growInt32(this.lineOwner, lines, NO_OWNER);
    this.lineReadyCycles = growFloat64(this.lineReadyCycles, lines);
    this.sharerCount = growInt32(this.sharerCount, lines, 0);
    this.sharerBits = growInt32(this.sharerBits, lines * this.sharerWords, 0);
    return object;
  }

  /** Everything memory holds, copied, as far as it is used. */
  save(): MemorySave {
    const lines = (this.nextAddress >>> LINE_SHIFT) + 1;
    return {
      values: this.values.slice(0, this.nextAddress),
      cellObject: this.cellObject.slice(0, this.nextAddress),
      objectFreed: this.objectFreed.slice(0, this.objects.length),
      objects: [...this.objects],
      nextAddress: this.nextAddress,
      lineOwner: this.lineOwner.slice(0, lines),
      lineReadyCycles: this.lineReadyCycles.slice(0, lines),
      sharerBits: this.sharerBits.slice(0, lines * this.sharerWords),
      sharerCount: this.sharerCount.slice(0, lines),
      coherence: this.coherence.slice(),
      lastSourceClass: this.lastSourceClass,
    };
  }

  /** Takes on a saved memory of a machine of the same CPUs, in place of what this one holds. */
  load(save: MemorySave): void {
    const usedCells = this.nextAddress;
    const usedLines = (usedCells >>> LINE_SHIFT) + 1;
    this.values = loadFloat64(this.values, save.values, usedCells);
    this.cellObject = loadInt32(this.cellObject, save.cellObject, usedCells, NO_OBJECT);
    this.objectFreed = loadUint8(this.objectFreed, save.objectFreed, this.objects.length);
    this.objects.length = 0;
    this.objects.push(...save.objects);
    this.nextAddress = save.nextAddress;
    this.lineOwner = loadInt32(this.lineOwner, save.lineOwner, usedLines, NO_OWNER);
    this.lineReadyCycles = loadFloat64(this.lineReadyCycles, save.lineReadyCycles, usedLines);
    this.sharerBits = loadInt32(this.sharerBits, save.sharerBits, usedLines * this.sharerWords, 0);
    this.sharerCount = loadInt32(this.sharerCount, save.sharerCount, usedLines, 0);
    this.coherence.set(save.coherence);
    this.lastSourceClass = save.lastSourceClass;
  }

  /** One past the highest address allocated so far. */
  get size(): number {
    return this.nextAddress;
  }

  /** Frees the object whose base is `address`; false if there is none or it was freed already. */
  free(address: number): MemObject | undefined {
    const object = this.objectAt(address);
    if (object?.base !== address || this.isFreed(object.id)) return undefined;
    this.objectFreed[object.id] = 1;
    return object;
  }

  /** Every object allocated and not freed, oldest first (what kmemleak would scan). */
  liveObjects(): MemObject[] {
    return this.objects.filter((object) => this.objectFreed[object.id] !== 1);
  }

  objectAt(address: number): MemObject | undefined {
    const id = Number.isInteger(address) && address >= 0 && address < this.nextAddress ? this.cellObject[address] : NO_OBJECT;
    return id === undefined || id === NO_OBJECT ? undefined : this.objects[id];
  }

  /** The object id behind a valid address, or -1. */
  objectIdAt(address: number): number {
    if (!(address >= 0 && address < this.nextAddress)) return NO_OBJECT;
    return this.cellObject[address] ?? NO_OBJECT;
  }

  /** 1 when `address` lies in a live object, 0 when that object was freed, -1 when no object holds it. */
  liveness(address: number): number {
    if (!(address >= 0 && address < this.nextAddress)) return -1;
    const id = this.cellObject[address] ?? NO_OBJECT;
    if (id === NO_OBJECT) return -1;
    return this.objectFreed[id] === 1 ? 0 : 1;
  }

  isFreed(objectId: number): boolean {
    return this.objectFreed[objectId] === 1;
  }

  read(address: number): number {
    return this.values[address] ?? 0;
  }

  write(address: number, value: number): void {
    this.values[address] = value;
  }

  describe(address: number): string {
    const object = this.objectAt(address);
    if (object === undefined) return `0x${address.toString(16)}`;
    const field = object.fields?.[address - object.base];
    if (field !== undefined && field !== '') return field;
    return object.cells === 1 ? object.name : `${object.name}[${address - object.base}]`;
  }

  /**
   * Charges `cpu` for reading or writing the line of `address` and moves the line as MESI would.
   * `nowCycles` is the CPU's clock; the result is the clock after the access.
   */
  access(cpu: number, address: number, write: boolean, nowCycles: number): number {
    const line = address >>> LINE_SHIFT;
    const owner = this.lineOwner[line] ?? NO_OWNER;
    if (owner === cpu) {
      this.lastSourceClass = SOURCE_HIT;
      const done = nowCycles + (this.sourceCycles[SOURCE_HIT] ?? 0);
      if (write) this.lineReadyCycles[line] = done;
      return done;
    }
    if (!write && owner === NO_OWNER && this.isSharer(line, cpu)) {
      this.lastSourceClass = SOURCE_HIT;
      return nowCycles + (this.sourceCycles[SOURCE_HIT] ?? 0);
    }
    return this.transfer(cpu, line, owner, write, nowCycles);
  }

  /**
   * A miss: the line comes from its owner, a sharer (the farthest one, for a write: the
   * invalidations go out in parallel) or memory, no earlier than it last arrived anywhere. A write
   * takes it exclusive; a read leaves it shared by the reader and its former owner. One function
   * for both, so that the step loop inlines one call site of the cost model.
   */
  private transfer(cpu: number, line: number, owner: number, write: boolean, nowCycles: number): number {
    const shared = (this.sharerCount[line] ?? 0) > 0;
    let from = owner;
    if (from === NO_OWNER && shared) from = write ? this.farthest(cpu, line) : this.firstSharer(line);
    const ready = this.lineReadyCycles[line] ?? 0;
    const start = nowCycles > ready ? nowCycles : ready;
    const source = this.classify(from, cpu);
    this.lastSourceClass = source;
    const done = start + (this.sourceCycles[source] ?? 0);
    this.lineReadyCycles[line] = done;
    // The whole access when the line came from another CPU's cache, else only the wait for it.
    this.coherence[cpu] = (this.coherence[cpu] ?? 0) + (from !== NO_OWNER && from !== cpu ? done : start) - nowCycles;
    if (write) {
      if (shared) this.clearSharers(line);
      this.lineOwner[line] = cpu;
    } else if (owner !== NO_OWNER) {
      this.lineOwner[line] = NO_OWNER;
      this.addSharer(line, owner);
      this.addSharer(line, cpu);
    } else {
      this.addSharer(line, cpu);
    }
    return done;
  }

  private classify(from: number, to: number): number {
    if (from === NO_OWNER) return SOURCE_MEMORY;
    if (from === to) return SOURCE_HIT;
    if (this.coreOf[from] === this.coreOf[to]) return SOURCE_SAME_CORE;
    if (this.socketOf[from] === this.socketOf[to]) return SOURCE_SAME_SOCKET;
    if (this.boardOf[from] === this.boardOf[to]) return SOURCE_OTHER_SOCKET;
    return SOURCE_OTHER_BOARD;
  }

  /** The sharer of `line` other than `cpu` that is dearest to reach (the lowest among equals), or `cpu` when there is none. */
  private farthest(cpu: number, line: number): number {
    let best = cpu;
    let bestCycles = -1;
    const base = line * this.sharerWords;
    for (let wordIndex = 0; wordIndex < this.sharerWords; wordIndex++) {
      // Each set bit, lowest first, cleared as it is visited.
      for (let word = this.sharerBits[base + wordIndex] ?? 0; word !== 0; word &= word - 1) {
        const sharer = wordIndex * 32 + (31 - Math.clz32(word & -word));
        if (sharer === cpu) continue;
        const cost = this.sourceCycles[this.classify(sharer, cpu)] ?? 0;
        if (cost > bestCycles) {
          bestCycles = cost;
          best = sharer;
        }
      }
    }
    return best;
  }

  private isSharer(line: number, cpu: number): boolean {
    const word = this.sharerBits[line * this.sharerWords + (cpu >>> 5)] ?? 0;
    return ((word >>> (cpu & 31)) & 1) === 1;
  }

  /** The lowest sharer of `line`, or -1. */
  private firstSharer(line: number): number {
    const base = line * this.sharerWords;
    for (let wordIndex = 0; wordIndex < this.sharerWords; wordIndex++) {
      const word = this.sharerBits[base + wordIndex] ?? 0;
      if (word !== 0) return wordIndex * 32 + (31 - Math.clz32(word & -word));
    }
    return -1;
  }

  private addSharer(line: number, cpu: number): void {
    if (this.isSharer(line, cpu)) return;
    const index = line * this.sharerWords + (cpu >>> 5);
    this.sharerBits[index] = (this.sharerBits[index] ?? 0) | (1 << (cpu & 31));
    this.sharerCount[line] = (this.sharerCount[line] ?? 0) + 1;
  }

  private clearSharers(line: number): void {
    // A plain loop: usually one word, where TypedArray.fill's call costs more than the work.
    const base = line * this.sharerWords;
    for (let word = 0; word < this.sharerWords; word++) this.sharerBits[base + word] = 0;
    this.sharerCount[line] = 0;
  }
}

const SOURCE_HIT = 0;
const SOURCE_SAME_CORE = 1;
const SOURCE_SAME_SOCKET = 2;
const SOURCE_OTHER_SOCKET = 3;
const SOURCE_OTHER_BOARD = 4;
const SOURCE_MEMORY = 5;
const SOURCE_NAMES: readonly AccessSource[] = ['hit', 'sameCore', 'sameSocket', 'otherSocket', 'otherBoard', 'memory'];

function alignUp(address: number): number {
  return Math.ceil(address / CELLS_PER_LINE) * CELLS_PER_LINE;
}
