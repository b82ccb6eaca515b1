import type { ChoicePoint } from './execution.js';
import type { Footprint } from './footprint.js';
import type { RunRecord, SleepSet } from './sleep-sets.js';

// A point of the exhaustive search's current path: the choices there, which it took, which it
// still has to take (backtrack) and which it has taken (done), with the happens-before clock of
// the step it took. The search (exhaustive.ts), its race analysis (races.ts) and its shard plan
// (shard-plan.ts) share it. Its sets of choice keys are arrays: a point has a few choices, and a
// search makes a node per step, branched at or not, for which a Set each cost more than looking
// through a few numbers does.

export interface SearchNode {
  readonly point: ChoicePoint;
  chosen: number;
  readonly done: number[];
  readonly backtrack: number[];
  /** Choices explored elsewhere that need not be here (see sleep-sets.ts). */
  readonly sleep: SleepSet;
  /** With sleep sets: what each choice taken here was followed by, for its entry in its siblings' sleep sets (by choice index). */
  readonly runs: (RunRecord | undefined)[];
  /** Happens-before clock of the step taken here, indexed by choice key. */
  clock: readonly number[];
  /** How many steps of its process this step is. */
  epoch: number;
  /** Alternatives here whose subtrees another shard explores, and those every shard starts (see ShardPlan). */
  readonly ownedElsewhere: number[];
  readonly shared: number[];
  /** The choice first taken here (the execution that made the point took it). */
  readonly firstKey: number;
  /** A hash of the choices taken before this point, and how many of them were not the first taken at their point. */
  prefixHash: number;
  /** Another hash of the same choices: with prefixHash, what names the point to the workers of a split search. */
  prefixHash2: number;
  detours: number;
  /** Parts of a split search other than this one may ask for alternatives here (see work-split.ts). */
  contested: boolean;
  /** What each alternative explored here touched, by choice index (only taken alternatives are ever needed). */
  readonly footprints: (Footprint | undefined)[];
  /** The pending operation's code when the taken choice was made, for checking a replay. */
  op: number;
  /** What the taken choice did besides its footprint, for replaying it (see ExecutionDriver.lastFacts). */
  facts: number;
  /** The choice taken was a step of an interrupt handler. */
  inIrq: boolean;
}

/** Asks for an alternative at a point: plainly, or through the shard plan. */
export type Request = (node: SearchNode, key: number) => void;

/** Adds a choice key to one of a node's sets of keys. */
export function addKey(keys: number[], key: number): void {
  if (!keys.includes(key)) keys.push(key);
}

/** What the choice `key` touched when it was taken at `node`, if it was. */
export function footprintOfKey(node: SearchNode, key: number): Footprint | undefined {
  const index = node.point.keys.indexOf(key);
  return index < 0 ? undefined : node.footprints[index];
}
