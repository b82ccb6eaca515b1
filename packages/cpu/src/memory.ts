import { growFloat64, growInt32, growUint8 } from './internal/growable.js';
import type { MemoryKind } from './ops.js';
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
  /** Cycle time of the line's last write, so a reader on another CPU cannot see it earlier. */
  private lineWriteCycles = new Float64Array(32);
  /** Sharers of a line in Shared state: membership flags and the list of members. */
  private readonly lineSharerFlags: (Uint8Array | undefined)[] = [];
  private readonly lineSharers: (number[] | undefined)[] = [];
  /** Source class of the last access, for traces and tests. */
  lastSource: AccessSource = 'hit';

  constructor(
    private readonly cpuCount: number,
    private readonly placement: CpuPlacement,
    private readonly cycles: ProfileCycles,
  ) {}

  allocate(name: string, cells: number, kind: MemoryKind, lineAligned: boolean): MemObject {
    if (!Number.isInteger(cells) || cells < 1 || cells > 1 << 24) {
      throw new RangeError(`cannot allocate ${String(cells)} cells for ${name}`);
    }
    const base = lineAligned ? alignUp(this.nextAddress) : this.nextAddress;
    const end = lineAligned ? alignUp(base + cells) : base + cells;
    const object: MemObject = { id: this.objects.length, name, base, cells, kind };
    this.objects.push(object);
    this.nextAddress = end;
    this.values = growFloat64(this.values, end);
    this.cellObject = growInt32(this.cellObject, end, NO_OBJECT);
    this.cellObject.fill(object.id, base, base + cells);
    this.objectFreed = growUint8(this.objectFreed, this.objects.length);
    const lines = (end >>> LINE_SHIFT) + 1;
    this.lineOwner = growInt32(this.lineOwner, lines, NO_OWNER);
    this.lineWriteCycles = growFloat64(this.lineWriteCycles, lines);
    return object;
  }

  /** Frees the object whose base is `address`; false if there is none or it was freed already. */
  free(address: number): MemObject | undefined {
    const object = this.objectAt(address);
    if (object?.base !== address || this.isFreed(object.id)) return undefined;
    this.objectFreed[object.id] = 1;
    return object;
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
    return object.cells === 1 ? object.name : `${object.name}[${address - object.base}]`;
  }

  /**
   * Charges `cpu` for reading or writing the line of `address` and moves the line as MESI would.
   * `nowCycles` is the CPU's clock; the result is the clock after the access.
   */
  access(cpu: number, address: number, write: boolean, nowCycles: number): number {
    const line = address >>> LINE_SHIFT;
    const owner = this.lineOwner[line] ?? NO_OWNER;
    const cycles = this.cycles;
    if (owner === cpu) {
      this.lastSource = 'hit';
      const done = nowCycles + cycles.hit;
      if (write) this.lineWriteCycles[line] = done;
      return done;
    }
    const flags = this.lineSharerFlags[line];
    if (!write && owner === NO_OWNER && flags !== undefined && flags[cpu] === 1) {
      this.lastSource = 'hit';
      return nowCycles + cycles.hit;
    }
    return write ? this.takeExclusive(cpu, line, owner, nowCycles) : this.share(cpu, line, owner, nowCycles);
  }

  private share(cpu: number, line: number, owner: number, nowCycles: number): number {
    let from = owner;
    if (from === NO_OWNER) from = this.lineSharers[line]?.[0] ?? NO_OWNER;
    const start = Math.max(nowCycles, this.lineWriteCycles[line] ?? 0);
    const done = start + this.transferCycles(from, cpu);
    if (owner !== NO_OWNER) {
      this.lineOwner[line] = NO_OWNER;
      this.addSharer(line, owner);
    }
    this.addSharer(line, cpu);
    return done;
  }

  private takeExclusive(cpu: number, line: number, owner: number, nowCycles: number): number {
    const sharers = this.lineSharers[line];
    let from = owner;
    if (from === NO_OWNER && sharers !== undefined && sharers.length > 0) {
      // Upgrading a shared line: the invalidations go out in parallel, the farthest one is paid.
      from = this.farthest(cpu, sharers);
    }
    const start = Math.max(nowCycles, this.lineWriteCycles[line] ?? 0);
    const done = start + this.transferCycles(from, cpu);
    if (sharers !== undefined) this.clearSharers(line, sharers);
    this.lineOwner[line] = cpu;
    this.lineWriteCycles[line] = done;
    return done;
  }

  private transferCycles(from: number, to: number): number {
    const cycles = this.cycles;
    const source = this.classify(from, to);
    this.lastSource = source;
    return cycles[source];
  }

  private classify(from: number, to: number): AccessSource {
    if (from === NO_OWNER) return 'memory';
    if (from === to) return 'hit';
    const { core, socket, board } = this.placement;
    if (core[from] === core[to]) return 'sameCore';
    if (socket[from] === socket[to]) return 'sameSocket';
    if (board[from] === board[to]) return 'otherSocket';
    return 'otherBoard';
  }

  private farthest(cpu: number, sharers: readonly number[]): number {
    let best = NO_OWNER;
    let bestCycles = -1;
    for (const sharer of sharers) {
      if (sharer === cpu) continue;
      const cost = this.cycles[this.classify(sharer, cpu)];
      if (cost > bestCycles) {
        bestCycles = cost;
        best = sharer;
      }
    }
    return best === NO_OWNER ? cpu : best;
  }

  private addSharer(line: number, cpu: number): void {
    let flags = this.lineSharerFlags[line];
    if (flags === undefined) {
      flags = new Uint8Array(this.cpuCount);
      this.lineSharerFlags[line] = flags;
      this.lineSharers[line] = [];
    }
    if (flags[cpu] === 1) return;
    flags[cpu] = 1;
    this.lineSharers[line]?.push(cpu);
  }

  private clearSharers(line: number, sharers: number[]): void {
    const flags = this.lineSharerFlags[line];
    if (flags !== undefined) for (const sharer of sharers) flags[sharer] = 0;
    sharers.length = 0;
  }
}

function alignUp(address: number): number {
  return Math.ceil(address / CELLS_PER_LINE) * CELLS_PER_LINE;
}
