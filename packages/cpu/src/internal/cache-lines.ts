import type { ProfileCycles } from '../profiles.js';
import type { CpuPlacement } from '../topology.js';
import type { AccessSource } from '../memory.js';
import type { MemorySave } from '../snapshot.js';
import { growFloat64, loadFloat64 } from './growable.js';

// The cache-coherence cost model: a MESI-style record per cache line of which CPU holds it
// exclusively or which CPUs share it, and what each access costs by where the line comes from.
//
// Every load and store of every run passes here, and in a run where CPUs contend for a line most
// of them miss: the record of a line is one stretch of one Int32Array (its owner, its sharer
// count, its sharer bitset), so that a hit or a miss is a few loads and stores of one array, and
// `access` stays small enough for V8 to inline into the step loop. Snapshots keep the record in
// its older shape, an array per field (toSave, load), so the snapshot format does not change.

/** A cache line holds 2 ** LINE_SHIFT cells (memory.ts's CELLS_PER_LINE). */
export const LINE_SHIFT = 3;
const NO_OWNER = -1;
/** Where in a line's stretch its owner and its sharer count are; the sharer bitset follows. */
const OWNER = 0;
const SHARERS = 1;
const BITS = 2;

export const SOURCE_HIT = 0;
const SOURCE_SAME_CORE = 1;
const SOURCE_SAME_SOCKET = 2;
const SOURCE_OTHER_SOCKET = 3;
const SOURCE_OTHER_BOARD = 4;
const SOURCE_MEMORY = 5;
/** The name of each source class, as the profile's cycles name its cost. */
export const SOURCE_NAMES: readonly AccessSource[] = ['hit', 'sameCore', 'sameSocket', 'otherSocket', 'otherBoard', 'memory'];

/** The cache record's part of a snapshot. */
export type CacheLinesSave = Pick<MemorySave, 'lineOwner' | 'lineReadyCycles' | 'sharerBits' | 'sharerCount' | 'coherence' | 'lastSourceClass'>;

export class CacheLines {
  /**
   * Per line, `stride` words: the CPU holding it Modified/Exclusive (-1 when it is shared or only
   * in memory), how many CPUs share it, and the sharers as a bitset of `sharerWords` words (one
   * word up to 32 CPUs).
   */
  private state: Int32Array<ArrayBuffer>;
  /**
   * When each line last arrived in a cache (or was written): a CPU cannot take it from there
   * earlier, so cause comes before effect whatever order the scheduler ran the CPUs in.
   */
  private readyCycles = new Float64Array(32);
  private readonly stride: number;
  private readonly sharerWords: number;
  /** Cost of each source class, indexed by SOURCE_*. */
  private readonly sourceCycles: Float64Array;
  /** The cost of a hit (sourceCycles[SOURCE_HIT]), held apart for the hit path. */
  private readonly hitCycles: number;
  /** Where the line of the last access came from (a SOURCE_*). */
  lastSourceClass = SOURCE_HIT;
  /**
   * Per CPU, the cycles its accesses spent on coherence traffic: bringing a line from another
   * CPU's cache, or waiting for a line another CPU's transfer holds. A fetch from memory (no cache
   * has the line) is a miss, not coherence traffic; its wait behind another CPU's transfer is.
   */
  readonly coherence: Float64Array;
  private readonly coreOf: Int32Array;
  private readonly socketOf: Int32Array;
  private readonly boardOf: Int32Array;

  constructor(cpuCount: number, placement: CpuPlacement, cycles: ProfileCycles) {
    this.sourceCycles = Float64Array.from(SOURCE_NAMES, (name) => cycles[name]);
    this.hitCycles = cycles.hit;
    this.coherence = new Float64Array(cpuCount);
    this.sharerWords = Math.ceil(cpuCount / 32);
    this.stride = BITS + this.sharerWords;
    this.state = this.fresh(32);
    this.coreOf = placement.core;
    this.socketOf = placement.socket;
    this.boardOf = placement.board;
  }

  /** Makes room for `lines` lines. */
  grow(lines: number): void {
    if (lines * this.stride > this.state.length) {
      const grown = this.fresh(Math.max(lines, (2 * this.state.length) / this.stride));
      grown.set(this.state);
      this.state = grown;
    }
    this.readyCycles = growFloat64(this.readyCycles, lines);
  }

  /**
   * Charges `cpu` for reading or writing the line of `address` and moves the line as MESI would:
   * `clocks[cpu]`, the CPU's clock, moves past the access. The clock is read and written here
   * rather than passed in and returned, so that the miss path (not inlined) takes and gives no
   * numbers.
   */
  access(cpu: number, address: number, write: boolean, clocks: Float64Array): void {
    const state = this.state;
    const line = address >>> LINE_SHIFT;
    const at = line * this.stride;
    const owner = state[at + OWNER] ?? NO_OWNER;
    // A hit: the line is this CPU's own, or this CPU shares it and only reads.
    if (owner === cpu || (!write && owner === NO_OWNER && (((state[at + BITS + (cpu >>> 5)] ?? 0) >>> (cpu & 31)) & 1) === 1)) {
      this.lastSourceClass = SOURCE_HIT;
      const done = (clocks[cpu] ?? 0) + this.hitCycles;
      clocks[cpu] = done;
      if (write) this.readyCycles[line] = done;
      return;
    }
    this.miss(cpu, line, at, owner, write, clocks);
  }

  /**
   * A miss: the line comes from its owner, a sharer (the farthest one, for a write: the
   * invalidations go out in parallel) or memory, no earlier than it last arrived anywhere. A write
   * takes it exclusive; a read leaves it shared by the reader and its former owner.
   */
  private miss(cpu: number, line: number, at: number, owner: number, write: boolean, clocks: Float64Array): void {
    const state = this.state;
    const sharers = state[at + SHARERS] ?? 0;
    let from = owner;
    if (from === NO_OWNER && sharers > 0) from = this.sharerSource(cpu, at, write);
    const now = clocks[cpu] ?? 0;
    const ready = this.readyCycles[line] ?? 0;
    const start = now > ready ? now : ready;
    const source = from === NO_OWNER ? SOURCE_MEMORY : this.classify(from, cpu);
    this.lastSourceClass = source;
    const done = start + (this.sourceCycles[source] ?? 0);
    this.readyCycles[line] = done;
    clocks[cpu] = done;
    // The whole access when the line came from another CPU's cache, else only the wait for it.
    this.coherence[cpu] = (this.coherence[cpu] ?? 0) + (from !== NO_OWNER && from !== cpu ? done : start) - now;
    if (write) {
      if (sharers > 0) this.clearSharers(at);
      state[at + OWNER] = cpu;
    } else {
      if (owner !== NO_OWNER) {
        state[at + OWNER] = NO_OWNER;
        this.addSharer(at, owner);
      }
      this.addSharer(at, cpu);
    }
  }

  /**
   * Where a line that no CPU owns but some share comes from: for a read the lowest sharer, for a
   * write the farthest one but `cpu` (see farthest). Up to 32 CPUs the sharers are one word, and a
   * line bounced between CPUs has one sharer besides the writer: answered from the word, without
   * comparing costs.
   */
  private sharerSource(cpu: number, at: number, write: boolean): number {
    if (this.sharerWords === 1) {
      const word = this.state[at + BITS] ?? 0;
      const others = write ? word & ~(1 << cpu) : word;
      if (others === 0) return cpu;
      if (!write || (others & (others - 1)) === 0) return 31 - Math.clz32(others & -others);
    }
    return write ? this.farthest(cpu, at) : this.firstSharer(at);
  }

  private classify(from: number, to: number): number {
    if (from === to) return SOURCE_HIT;
    if (this.coreOf[from] === this.coreOf[to]) return SOURCE_SAME_CORE;
    if (this.socketOf[from] === this.socketOf[to]) return SOURCE_SAME_SOCKET;
    if (this.boardOf[from] === this.boardOf[to]) return SOURCE_OTHER_SOCKET;
    return SOURCE_OTHER_BOARD;
  }

  /** The sharer of the line at `at` other than `cpu` that is dearest to reach (the lowest among equals), or `cpu` when there is none. */
  private farthest(cpu: number, at: number): number {
    let best = cpu;
    let bestCycles = -1;
    for (let wordIndex = 0; wordIndex < this.sharerWords; wordIndex++) {
      // Each set bit, lowest first, cleared as it is visited.
      for (let word = this.state[at + BITS + wordIndex] ?? 0; word !== 0; word &= word - 1) {
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

  /** The lowest sharer of the line at `at`, or -1. */
  private firstSharer(at: number): number {
    for (let wordIndex = 0; wordIndex < this.sharerWords; wordIndex++) {
      const word = this.state[at + BITS + wordIndex] ?? 0;
      if (word !== 0) return wordIndex * 32 + (31 - Math.clz32(word & -word));
    }
    return -1;
  }

  private addSharer(at: number, cpu: number): void {
    const index = at + BITS + (cpu >>> 5);
    const bit = 1 << (cpu & 31);
    const word = this.state[index] ?? 0;
    if ((word & bit) !== 0) return;
    this.state[index] = word | bit;
    this.state[at + SHARERS] = (this.state[at + SHARERS] ?? 0) + 1;
  }

  private clearSharers(at: number): void {
    // A plain loop: usually one word, where TypedArray.fill's call costs more than the work.
    for (let word = 0; word < this.sharerWords; word++) this.state[at + BITS + word] = 0;
    this.state[at + SHARERS] = 0;
  }

  /** A record of `lines` lines, each owned by no CPU and shared by none. */
  private fresh(lines: number): Int32Array<ArrayBuffer> {
    const state = new Int32Array(lines * this.stride);
    for (let at = 0; at < state.length; at += this.stride) state[at + OWNER] = NO_OWNER;
    return state;
  }

  /** The record of the first `lines` lines, copied, an array per field. */
  toSave(lines: number): CacheLinesSave {
    const lineOwner = new Int32Array(lines);
    const sharerCount = new Int32Array(lines);
    const sharerBits = new Int32Array(lines * this.sharerWords);
    for (let line = 0; line < lines; line++) {
      const at = line * this.stride;
      lineOwner[line] = this.state[at + OWNER] ?? NO_OWNER;
      sharerCount[line] = this.state[at + SHARERS] ?? 0;
      for (let word = 0; word < this.sharerWords; word++) sharerBits[line * this.sharerWords + word] = this.state[at + BITS + word] ?? 0;
    }
    const lineReadyCycles = this.readyCycles.slice(0, lines);
    return { lineOwner, lineReadyCycles, sharerBits, sharerCount, coherence: this.coherence.slice(), lastSourceClass: this.lastSourceClass };
  }

  /** Takes on a saved record in place of this one, which used `usedLines` lines (those past the saved ones are reset). */
  load(save: CacheLinesSave, usedLines: number): void {
    const lines = save.lineOwner.length;
    if (lines * this.stride > this.state.length) this.state = this.fresh(lines);
    for (let line = 0; line < Math.max(lines, usedLines); line++) {
      const at = line * this.stride;
      const saved = line < lines;
      this.state[at + OWNER] = saved ? (save.lineOwner[line] ?? NO_OWNER) : NO_OWNER;
      this.state[at + SHARERS] = saved ? (save.sharerCount[line] ?? 0) : 0;
      for (let word = 0; word < this.sharerWords; word++) this.state[at + BITS + word] = saved ? (save.sharerBits[line * this.sharerWords + word] ?? 0) : 0;
    }
    this.readyCycles = loadFloat64(this.readyCycles, save.lineReadyCycles, usedLines);
    this.coherence.set(save.coherence);
    this.lastSourceClass = save.lastSourceClass;
  }
}

