import { addKey, type SearchNode } from './search-node.js';
import { handedSleep, type HandedAsleep } from './sleep-sets.js';

// Work stealing for the exhaustive search: a search hands a subtree of its tree to an idle worker,
// named by the choices that lead to it. After the hand-over the giver never enters that subtree
// and the taker explores only it, plus whatever its own executions ask for at the points of the
// prefix they share: a race only the taker's executions show must be reversed by someone, and the
// giver never sees it. Points on the prefix are contested from then on: both parts (and any they
// split off later) may ask for the same alternative there, so each asks the splitter to take it,
// which answers yes to the first part only (a table shared by all workers, keyed by the point's
// choices and the alternative): everything is explored once, by the part that asked first, as one
// search would have. What the giver had taken, asked for or given away at a point before the
// hand-over is not in that table, so the taker is told it as handled elsewhere.

/** One point of a subtree's prefix: the choice to take there, and the alternatives handled elsewhere. */
export interface SubtreeStep {
  readonly key: number;
  readonly handled: readonly number[];
  /** With sleep sets, at the subtree's root: the giver's entries, which sleep below it as they would in one search. */
  readonly sleep?: readonly HandedAsleep[];
}

/** A part of one exhaustive search, as plain data that can cross threads. */
export interface Subtree {
  /** The preemption bound of the pass it belongs to (an iterative search runs a pass per bound). */
  readonly preemptions: number;
  /** From the first point after setup to the subtree's root: what to take at each. */
  readonly prefix: readonly SubtreeStep[];
}

/**
 * How a search gives part of itself away, asked after each execution. A worker pool backs it
 * with shared memory (idle workers waiting, a stop flag) and a message channel.
 */
export interface WorkSplitter {
  /** Claims one waiting request for work, if any: the caller then gives a subtree or releases it. */
  claim(): boolean;
  /** Returns a claimed request this search had no subtree for. */
  release(): void;
  give(subtree: Subtree): void;
  /**
   * Claims the next execution from the whole search's cap on executions, shared by every part:
   * false when the cap is spent (the part then stops, not exhausted).
   */
  claimExecution(): boolean;
  /** Another part of the search found a violation the search stops at, or the cap is spent. */
  stopped(): boolean;
  /**
   * Takes alternative `key` at a contested point (named by two independent hashes of the choices
   * leading to it) for this part: true for the first part that asks, false ever after.
   */
  take(pointHash: number, pointHash2: number, key: number): boolean;
}

/**
 * Asks for an alternative at a point of a split search: plainly, or through the splitter where
 * another part may ask too. The point is named with the pass's preemption bound: an iterative
 * search's passes share the splitter, and what one pass took, the next must explore again under
 * its higher bound.
 */
export function requestContested(splitter: WorkSplitter, preemptions: number, node: SearchNode, key: number): void {
  if (!node.contested) {
    addKey(node.backtrack, key);
    return;
  }
  if (node.backtrack.includes(key) || node.ownedElsewhere.includes(key)) return;
  if (splitter.take(node.prefixHash, mixHash2(node.prefixHash2, -2 - preemptions), key)) node.backtrack.push(key);
  else node.ownedElsewhere.push(key);
}

/** A second hash of a point's prefix, independent of mixHash, so two points are taken for one only when both agree. */
export function mixHash2(hash: number, key: number): number {
  const mixed = Math.imul(hash ^ Math.imul(key + 0x3c6ef372, 0x5bd1e995), 0x5bd1e995);
  return (mixed ^ (mixed >>> 15)) >>> 0;
}

export const HASH2_SEED = 0x2545f491;

/** The alternative at a node that nobody has taken, asked for or been given yet, if any. */
function untaken(node: SearchNode): number | undefined {
  const chosenKey = node.point.keys[node.chosen];
  for (const key of node.point.keys) {
    if (key !== chosenKey && node.backtrack.includes(key) && !node.done.includes(key) && !node.sleep.asleep.has(key) && !node.ownedElsewhere.includes(key)) return key;
  }
  return undefined;
}

function handledAt(node: SearchNode): number[] {
  return [...new Set([...node.backtrack, ...node.done, ...node.ownedElsewhere])];
}

/**
 * Splits off the subtree at the shallowest point with an alternative still to explore (the
 * largest part, as a rule), which the path's search then leaves to whoever takes it.
 */
export function splitOff(path: readonly SearchNode[], preemptions: number, sleep?: { readonly unbitten: boolean }): Subtree | undefined {
  for (let depth = 0; depth < path.length; depth++) {
    const node = path[depth];
    const key = node === undefined ? undefined : untaken(node);
    if (node === undefined || key === undefined) continue;
    const prefix: SubtreeStep[] = [];
    for (const before of path.slice(0, depth)) {
      prefix.push({ key: before.point.keys[before.chosen] ?? -1, handled: handledAt(before) });
      before.contested = true;
    }
    prefix.push({ key, handled: handledAt(node), ...(sleep === undefined ? {} : { sleep: handedSleep(node, key, sleep.unbitten) }) });
    addKey(node.ownedElsewhere, key);
    node.contested = true;
    return { preemptions, prefix };
  }
  return undefined;
}

/**
 * Which points of a subtree search still follow its prefix: the first execution takes the
 * prefix's choices; once the search turns aside at one of its points, the points after it are
 * the search's own.
 */
export class PrefixFollower {
  /** How many leading points of the current path take the prefix's choices. */
  private followed = 0;

  constructor(private readonly prefix: readonly SubtreeStep[]) {}

  /** The prefix step for a new point at `depth`, when the path up to it follows the prefix. */
  stepAt(depth: number): SubtreeStep | undefined {
    if (depth !== this.followed || depth >= this.prefix.length) return undefined;
    this.followed++;
    return this.prefix[depth];
  }

  /** The search took another choice at `depth`: the points from there on are its own. */
  turnedAt(depth: number): void {
    if (depth < this.followed) this.followed = depth;
  }
}
