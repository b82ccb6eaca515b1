import { growFloat64, growInt32, growUint8, loadFloat64, loadInt32, loadUint8 } from './internal/growable.js';
import { CacheLines, LINE_SHIFT, SOURCE_NAMES } from './internal/cache-lines.js';
import type { MemoryKind } from './ops.js';
import type { MemorySave } from './snapshot.js';
import type { ProfileCycles } from './profiles.js';
import type { CpuPlacement } from './topology.js';

/** Cells are 8 bytes; a 64-byte cache line holds eight of them. */
export const CELLS_PER_LINE = 8;
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

  /**
   * 1 for each cell of a live object: the access check of every load and store is one load of
   * it. Derived from cellObject and objectFreed, which say why a cell is not live.
   */
  private cellLive = new Uint8Array(256);

  /** Which CPUs hold each line, and what an access costs (see cache-lines.ts). */
  readonly cache: CacheLines;

  /** The clocks `access` hands the cost model: the caller's, not the machine's. */
  private readonly scratchClocks: Float64Array;

  constructor(cpuCount: number, placement: CpuPlacement, cycles: ProfileCycles) {
    this.cache = new CacheLines(cpuCount, placement, cycles);
    this.scratchClocks = new Float64Array(cpuCount);
  }

  /** Where the line of the last access came from. */
  get lastSource(): AccessSource {
    return SOURCE_NAMES[this.cache.lastSourceClass] ?? 'hit';
  }

  /** Cycles `cpu` has spent on coherence traffic so far (see CacheLines.coherence). */
  coherenceCyclesOf(cpu: number): number {
    return this.cache.coherence[cpu] ?? 0;
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
    this.cellLive = growUint8(this.cellLive, end);
    this.cellLive.fill(1, base, base + cells);
    this.cache.grow((end >>> LINE_SHIFT) + 1);
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
      ...this.cache.toSave(lines),
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
    this.cellLive = growUint8(this.cellLive, this.nextAddress);
    this.cellLive.fill(0, 0, Math.max(usedCells, this.nextAddress));
    for (const object of this.objects) if (!this.isFreed(object.id)) this.cellLive.fill(1, object.base, object.base + object.cells);
    this.cache.load(save, usedLines);
  }

  /**
   * Mixes what memory holds into a state fingerprint (see internal/state-hash.ts): each object's
   * place, name and whether it was freed, each live cell's value, and when asked the cache
   * lines' holders and when each line is ready (they decide only what accesses cost). Statistics (coherence cycles, the last access's source) are left out.
   */
  hashInto(lanes: HashLanes, cacheLines: boolean): void {
    const used = this.nextAddress;
    lanes.int(used);
    lanes.int(this.objects.length);
    for (const object of this.objects) {
      lanes.int(objectHash(object));
      lanes.int(this.objectFreed[object.id] ?? 0);
    }
    const values = this.values;
    const live = this.cellLive;
    for (let address = 0; address < used; address++) if (live[address] === 1) lanes.number(values[address] ?? 0);
    if (!cacheLines) return;
    const lines = this.cache.toSave((used >>> LINE_SHIFT) + 1);
    lanes.numbers(lines.lineOwner);
    lanes.numbers(lines.sharerCount);
    lanes.numbers(lines.sharerBits);
    lanes.numbers(lines.lineReadyCycles);
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
    this.cellLive.fill(0, object.base, object.base + object.cells);
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

  /** `address` lies in a live object (what liveness() says with 1, in one load). */
  isLive(address: number): boolean {
    return this.cellLive[address] === 1;
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
    const clocks = this.scratchClocks;
    clocks[cpu] = nowCycles;
    this.cache.access(cpu, address, write, clocks);
    return clocks[cpu] ?? 0;
  }
}

/** What a state fingerprint mixes numbers into. */
export interface HashLanes {
  int(value: number): void;
  number(value: number): void;
  numbers(values: ArrayLike<number>): void;
}

/** An object's id, place, kind and name as one number, worked out once per object (objects never change). */
const objectHashes = new WeakMap<MemObject, number>();

function objectHash(object: MemObject): number {
  let hash = objectHashes.get(object);
  if (hash !== undefined) return hash;
  hash = 0x811c9dc5;
  const text = `${object.id} ${object.base} ${object.cells} ${object.kind} ${object.name}`;
  for (let index = 0; index < text.length; index++) hash = Math.imul(hash ^ text.charCodeAt(index), 0x01000193) >>> 0;
  objectHashes.set(object, hash);
  return hash;
}

function alignUp(address: number): number {
  return Math.ceil(address / CELLS_PER_LINE) * CELLS_PER_LINE;
}
