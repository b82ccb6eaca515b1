import { isRunEnd, type Footprint } from './footprint.js';

/** One performed choice of an execution, as the search recorded it. */
export interface PerformedStep {
  /** The choice's key: the same for every step of one process (a CPU's steps, an interrupt source on a CPU). */
  readonly key: number;
  readonly footprint: Footprint;
}

// Which Mazurkiewicz trace an execution belongs to, under the search's own dependency relation:
// two executions are equivalent when one can be turned into the other by swapping adjacent
// independent steps. That is so exactly when every process takes the same steps, every CPU runs
// them in the same order, every location sees its writes in the same order, and every read
// follows the same write. The fingerprint hashes that set of facts (each fact once, so the sum of
// their hashes does not depend on the order they were met in). The number of different
// fingerprints in the unreduced search is the fewest executions any reduction by these
// dependencies could explore.

const STEP_BITS = 2 ** 20;

export function traceFingerprint(steps: Iterable<PerformedStep>): string {
  const epochs = new Map<number, number>();
  const lastWriter = new Map<number, number>();
  const writesSeen = new Map<number, number>();
  const stepsOnCpu = new Map<number, number>();
  let low = 0;
  let high = 0;
  const fact = (kind: number, a: number, b: number, c: number): void => {
    low = (low + mix(kind, a, b, c, 0x9e3779b1)) >>> 0;
    high = (high + mix(kind, a, b, c, 0x85ebca77)) >>> 0;
  };
  for (const { key, footprint } of steps) {
    const epoch = (epochs.get(key) ?? 0) + 1;
    epochs.set(key, epoch);
    const id = key * STEP_BITS + epoch;
    const onCpu = (stepsOnCpu.get(footprint.cpu) ?? 0) + 1;
    stepsOnCpu.set(footprint.cpu, onCpu);
    fact(0, footprint.cpu, onCpu, id);
    for (const location of footprint.reads) if (!isRunEnd(location)) fact(1, id, location, lastWriter.get(location) ?? -1);
    for (const location of footprint.writes) {
      if (isRunEnd(location)) continue;
      const order = (writesSeen.get(location) ?? 0) + 1;
      writesSeen.set(location, order);
      lastWriter.set(location, id);
      fact(2, location, order, id);
    }
  }
  return `${high.toString(16).padStart(8, '0')}${low.toString(16).padStart(8, '0')}`;
}

/** A 32-bit hash of four numbers (ids may pass 2^32: both halves are mixed in). */
function mix(kind: number, a: number, b: number, c: number, seed: number): number {
  let hash = mixIn(mixIn(mixIn(seed ^ kind, a), b), c);
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  return (hash ^ (hash >>> 16)) >>> 0;
}

function mixIn(hash: number, value: number): number {
  const mixed = Math.imul(hash ^ (value | 0), 0xcc9e2d51);
  const rotated = Math.imul((mixed << 15) | (mixed >>> 17), 0x1b873593);
  return Math.imul(rotated ^ Math.floor(value / 2 ** 32), 0xe6546b64);
}
