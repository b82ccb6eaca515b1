import { addKey, type SearchNode } from './search-node.js';

/** Alternatives that stray from the first execution by at most this many choices may be started by every shard... */
const SHARED_DETOURS = 2;
/** ...when they branch off within this share of the execution that asks for them (the rest is dealt). */
const SHARED_HEAD = 0.25;

/**
 * How shards split one search with no word between them. Every shard runs the first execution,
 * and every alternative it asks for that strays from it by at most SHARED_DETOURS choices, and
 * branches off early in the execution that asks for it, is started by every shard too: what those
 * shared executions ask for is the same in every shard. Anything further they ask for is dealt by
 * a hash of its choices: its owner explores its whole subtree, the others skip it. What a shard's own executions ask for, and no shared execution
 * dealt, is explored by that shard: no other shard may ever see the race that asks for it. Every
 * alternative asked for is explored by some shard, so together they cover what one search
 * covers; an alternative found by two shards is explored twice, which costs time, not coverage.
 */
export class ShardPlan {
  private sharedExecution = true;

  constructor(private readonly shard: { readonly index: number; readonly count: number }, private readonly path: readonly SearchNode[]) {}

  /** The execution about to run is every shard's when it starts an alternative every shard starts. */
  beginExecution(diverging: SearchNode | undefined, first: boolean): void {
    const key = diverging?.point.keys[diverging.chosen];
    this.sharedExecution = first || (key !== undefined && diverging?.shared.includes(key) === true);
  }

  request(node: SearchNode, key: number): void {
    if (!this.sharedExecution || key === node.firstKey) {
      if (!node.ownedElsewhere.includes(key)) addKey(node.backtrack, key);
      return;
    }
    if (node.shared.includes(key) || node.ownedElsewhere.includes(key)) return;
    if (node.detours < SHARED_DETOURS && this.branchesEarly(node)) {
      node.shared.push(key);
      addKey(node.backtrack, key);
    } else if (mixHash(node.prefixHash, key) % this.shard.count === this.shard.index) {
      addKey(node.backtrack, key);
    } else {
      node.ownedElsewhere.push(key);
    }
  }

  /**
   * Whether an alternative at this point of a shared execution has a subtree worth splitting
   * further: one that branches off near the start has most of the execution still to reorder.
   * Sharing only those cuts the executions every shard repeats, and dealing the many small
   * subtrees one by one balances the shards better than dealing a few large ones. (The path and
   * its length are those of a shared execution, the same in every shard: so is the answer.)
   */
  private branchesEarly(node: SearchNode): boolean {
    return this.path.indexOf(node) < SHARED_HEAD * this.path.length;
  }
}

export const HASH_SEED = 0x811c9dc5;

export function mixHash(hash: number, key: number): number {
  return Math.imul(hash ^ (key + 1), 0x01000193) >>> 0;
}
