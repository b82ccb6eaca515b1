import type { Subtree, WorkSplitter } from '@kmodsim/explore';

// The memory the parts of one search share across worker threads (see @kmodsim/explore's
// work-split.ts): how many idle threads wait for a subtree of it, whether it is to stop, and the
// table of alternatives taken at contested points, so no two parts explore the same one.

const WANTED = 0;
const STOP = 1;
/** Executions claimed by all parts, and the search's cap on them. */
const EXECUTIONS = 2;
const CAP = 3;
/** Slots of the table of alternatives taken (a power of two). The search points contested are those on a handed-over prefix: far fewer. */
const TABLE_SLOTS = 1 << 18;
/** Probes before a full table gives up and lets the part explore the alternative anyway (twice explored costs time, never coverage). */
const MAX_PROBES = 64;

/** What one search's parts share: plain SharedArrayBuffers, which can be posted to every thread. */
export interface SplitMemory {
  readonly control: SharedArrayBuffer;
  readonly table: SharedArrayBuffer;
}

/** `maxExecutions`: the whole search's cap, which its parts share (at most 2^31 - 1 here). */
export function newSplitMemory(maxExecutions: number): SplitMemory {
  const memory = { control: new SharedArrayBuffer(4 * Int32Array.BYTES_PER_ELEMENT), table: new SharedArrayBuffer(TABLE_SLOTS * BigInt64Array.BYTES_PER_ELEMENT) };
  new Int32Array(memory.control)[CAP] = Math.min(maxExecutions, 2 ** 31 - 1);
  return memory;
}

/** The pool's side: ask the search's parts for a subtree, or tell them to stop. */
export class SplitControl {
  private readonly cells: Int32Array;

  constructor(memory: SplitMemory) {
    this.cells = new Int32Array(memory.control);
  }

  /** One more thread waits for a subtree of this search. */
  want(): void {
    Atomics.add(this.cells, WANTED, 1);
  }

  /** The threads still waiting when nothing is left to hand over: the pool puts them to other work. */
  unwantAll(): number {
    return Atomics.exchange(this.cells, WANTED, 0);
  }

  /** A waiting thread is gone: one request fewer, unless a part has claimed it already (its subtree then goes to another thread). */
  unwantOne(): void {
    for (let wanted = Atomics.load(this.cells, WANTED); wanted > 0; wanted = Atomics.load(this.cells, WANTED)) {
      if (Atomics.compareExchange(this.cells, WANTED, wanted, wanted - 1) === wanted) return;
    }
  }

  stop(): void {
    Atomics.store(this.cells, STOP, 1);
  }
}

/** A part's side, on its worker thread: `give` posts the subtree to the pool. */
export function splitterOver(memory: SplitMemory, give: (subtree: Subtree) => void): WorkSplitter {
  const cells = new Int32Array(memory.control);
  const table = new BigInt64Array(memory.table);
  return {
    claim() {
      for (let wanted = Atomics.load(cells, WANTED); wanted > 0; wanted = Atomics.load(cells, WANTED)) {
        if (Atomics.compareExchange(cells, WANTED, wanted, wanted - 1) === wanted) return true;
      }
      return false;
    },
    release() {
      Atomics.add(cells, WANTED, 1);
    },
    give,
    claimExecution: () => Atomics.add(cells, EXECUTIONS, 1) < Atomics.load(cells, CAP),
    stopped: () => Atomics.load(cells, STOP) !== 0 || Atomics.load(cells, EXECUTIONS) >= Atomics.load(cells, CAP),
    take: (pointHash, pointHash2, key) => takeSlot(table, pointHash, pointHash2, key),
  };
}

/** Open addressing over 64-bit fingerprints; 0 marks a free slot, so no fingerprint is 0. */
function takeSlot(table: BigInt64Array, pointHash: number, pointHash2: number, key: number): boolean {
  const high = Math.imul(pointHash ^ Math.imul(key + 1, 0x9e3779b1), 0x85ebca6b) >>> 0;
  const low = (Math.imul(pointHash2 ^ Math.imul(key + 1, 0xc2b2ae35), 0x27d4eb2f) | 1) >>> 0;
  const fingerprint = BigInt.asIntN(64, (BigInt(high) << 32n) | BigInt(low));
  let slot = high & (TABLE_SLOTS - 1);
  for (let probe = 0; probe < MAX_PROBES; probe++) {
    const found = Atomics.compareExchange(table, slot, 0n, fingerprint);
    if (found === 0n) return true;
    if (found === fingerprint) return false;
    slot = (slot + 1) & (TABLE_SLOTS - 1);
  }
  return true;
}
