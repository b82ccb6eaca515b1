import { addKey, type SearchNode } from './search-node.js';

/** Alternatives that stray from the first execution by at most this many choices are started by every shard. */
const SHARED_DETOURS = 1;

/**
 * How shards split one search with no word between them. Every shard runs the first execution,
 * and every alternative it asks for that strays from it by at most SHARED_DETOURS choices is
 * started by every shard too: what those shared executions ask for is the same in every shard.
 * Anything further they ask for is dealt by a hash of its choices: its owner explores its whole
 * subtree, the others skip it. What a shard's own executions ask for, and no shared execution
 * dealt, is explored by that shard: no other shard may ever see the race that asks for it. Every
 * alternative asked for is explored by some shard, so together they cover what one search
 * covers; an alternative found by two shards is explored twice, which costs time, not coverage.
 */
export class ShardPlan {
  private sharedExecution = true;

  constructor(private readonly shard: { readonly index: number; readonly count: number }) {}

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
    if (node.detours < SHARED_DETOURS) {
      node.shared.push(key);
      addKey(node.backtrack, key);
    } else if (mixHash(node.prefixHash, key) % this.shard.count === this.shard.index) {
      addKey(node.backtrack, key);
    } else {
      node.ownedElsewhere.push(key);
    }
  }
}

export const HASH_SEED = 0x811c9dc5;

export function mixHash(hash: number, key: number): number {
  return Math.imul(hash ^ (key + 1), 0x01000193) >>> 0;
}
