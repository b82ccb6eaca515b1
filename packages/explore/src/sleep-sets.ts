import type { ChoicePoint } from './execution.js';
import { flushAndStore, sendsIpi, sleepDependent, touchesTimers, type Footprint } from './footprint.js';
import { flushMeetsViews } from './stale-copies.js';
import { footprintOfKey, type SearchNode } from './search-node.js';

// Sleep sets under a preemption bound. A choice `a` explored at a point n sleeps in the subtree of
// a later sibling `b` while the steps taken stay independent of it: an execution n·b·w·a·r is the
// same trace as one that begins with `a`, which the subtree of `a` covered. Without a bound that
// is all. With one, the orders of a trace need not cost the same preemptions: when every order
// that begins with `a` costs more than n·b·w·a·r, the bound cut them all from the subtree of `a`,
// and sleeping `a` at m = n·b·w loses what only n·b·w·a·r reaches (a use after free in
// percpu-early-free was missed so). So `a` sleeps at m only where some order that begins with `a`
// provably costs no more, whatever r is. Independent steps leave each other's costs alone (what a
// step costs depends on the CPU that ran last and whether it could have gone on, which the same
// steps leave the same), so the orders compared differ only where `a` moved. Any of these serves:
//
// 0. Any order, while the bound has left nothing out anywhere in the search (SleepState in
//    exhaustive.ts): what was explored of `a` is what a search without the bound explores, which
//    covers the whole trace. An entry made then sleeps whatever the costs, as without a bound.
// 1. n·a·b·w·r. It costs `extra` more at n (a, then b right after a, against b alone, fixed once
//    at n), saves what `a` costs at m, and r's first choice follows w's last CPU instead of `a`:
//    at most one more, none when m was a free switch (w's last CPU stopped of itself, as it did
//    in both orders). It costs no more when extra - cost(a at m) + (m free ? 0 : 1) <= 0.
// 2. The whole run of `a`'s CPU moved: n·a·s1..sk·b·w·r', where s1..sk are the steps that CPU
//    took after `a` while it went on, up to the step after which it stopped of itself, as the
//    first execution through n·a ran them (a RunRecord). While none of them depends on b·w, the
//    pruned execution runs the same steps after `a` for as long as it keeps that CPU, and whether
//    it stops there (taking all of them) or switches away first at a preemption's price, moving
//    what ran of the run to n costs `runExtra` more (cost(a at n) - cost(b at n), plus one when b
//    is a preemption, dear after any CPU) and nothing after. Not so when the pruned order leaves
//    the run for free: an interrupt or an IPI arriving in it, or a preemption, when m was a free
//    switch; so at a free switch neither m nor the run may offer one (ChoicePoint.detour), nor
//    may the run queue an IPI that could arrive elsewhere.
//
// Interrupt counts and execution lengths are the same in both orders, so the interrupt bound and
// the step bound need nothing. Time is not: which step fires a schedule_timeout() timer depends
// on where the CPUs' clocks are, which reordering changes, so nothing sleeps across a timer (none
// may be armed where an entry is made, and a step that arms, cancels or fires one wakes every
// entry). An order that begins with `a` and costs no more is covered by the subtree of `a`,
// explored or pruned in turn by a choice that sleeps there on the same terms.

/** A run merged past this many locations is taken for unknown: it is compared with every step below. */
const RUN_LOCATIONS = 512;

/** What a run of one CPU's steps touched, as sets: compared with every step taken below its entry. */
interface RunTouches {
  readonly cpu: number;
  readonly reads: ReadonlySet<number>;
  readonly writes: ReadonlySet<number>;
  /** Some step of the run may drop its CPU's stale copies (Footprint.views). */
  readonly views: boolean;
}

/** What a choice taken at a point was followed by, in the first execution that took it there. */
export class RunRecord {
  private touches: RunTouches | undefined | null = null;

  constructor(
    /** The choice's CPU stopped of itself right after it (the next point was a free switch). */
    readonly stoppedAtOnce: boolean,
    /** The choice when it is a step, else undefined (only a step's run can move, see 2. above). */
    private readonly step: Footprint | undefined,
    /** The record of the same CPU's next step, taken right after it while it went on. */
    private readonly rest: RunRecord | undefined,
    /** The run ended with its CPU stopping of itself: it is known whole. */
    readonly whole: boolean,
    /** The run could have been broken into for free somewhere (see ChoicePoint.detour), or queued an IPI for another CPU. */
    readonly detour: boolean,
  ) {}

  /** What the whole run touched, merged once and kept; undefined when it is not known whole or is too large. */
  run(): RunTouches | undefined {
    if (this.touches === null) this.touches = this.merge();
    return this.touches;
  }

  private merge(): RunTouches | undefined {
    if (!this.whole || this.step === undefined) return undefined;
    const touches = { cpu: this.step.cpu, reads: new Set<number>(), writes: new Set<number>() };
    let views = this.step.views === true;
    if (!mergeStep(touches, this.step)) return undefined;
    for (let record = this.rest; record !== undefined; record = record.rest) {
      if (!mergeStep(touches, record.step)) return undefined;
      views ||= record.step?.views === true;
    }
    return { ...touches, views };
  }
}

/** Adds a step's locations to a run's; false at a timer or past RUN_LOCATIONS (the run is then taken for unknown). */
function mergeStep(touches: { readonly reads: Set<number>; readonly writes: Set<number> }, step: Footprint | undefined): boolean {
  if (step === undefined || touchesTimers(step)) return false;
  for (const location of step.reads) touches.reads.add(location);
  for (const location of step.writes) touches.writes.add(location);
  return touches.reads.size + touches.writes.size <= RUN_LOCATIONS;
}

/** A choice asleep in a subtree: what it touched, and what the orders that cover it cost more (see above). */
export interface Asleep {
  readonly footprint: Footprint;
  /** Explored while the bound had left nothing out anywhere in the search: it sleeps whatever the costs (see 0. above). */
  readonly unconditional: boolean;
  readonly extra: number;
  readonly runExtra: number;
  /** The run of 2., undefined when unknown or since depended on. */
  readonly run: RunTouches | undefined;
  readonly detour: boolean;
}

/** A node's sleep set: every choice carried down to it, and those that sleep at its point. */
export interface SleepSet {
  readonly carried: ReadonlyMap<number, Asleep>;
  readonly asleep: ReadonlySet<number>;
  /** The carried entries go on below this point only after this choice (a subtree's root, see handedSleep). */
  readonly onlyAfter?: number;
}

export const NO_SLEEP: SleepSet = { carried: new Map(), asleep: new Set() };

/**
 * The sleep set of the point that follows the choice taken at `parent`: the parent's own entries
 * and the choices explored there before, each while independent of the choice taken; of those,
 * the ones some order explored first covers within the same cost sleep (see above).
 */
export function childSleep(parent: SearchNode, point: ChoicePoint, unbitten: boolean): SleepSet {
  const takenKey = parent.point.keys[parent.chosen] ?? -1;
  const taken = parent.footprints[parent.chosen];
  if (taken === undefined || touchesTimers(taken) || (parent.sleep.carried.size === 0 && parent.done.length === 0)) return NO_SLEEP;
  const inherited = parent.sleep.onlyAfter === undefined || parent.sleep.onlyAfter === takenKey ? parent.sleep.carried : NO_SLEEP.carried;
  const carried = carriedPast(inherited, taken);
  if (!parent.point.timers) {
    for (const key of parent.done) {
      const footprint = footprintOfKey(parent, key);
      if (key === takenKey || footprint === undefined || sleepDependent(footprint, taken) || touchesTimers(footprint)) continue;
      const entry = entryFor(parent, key, footprint, parent.chosen, unbitten);
      carried.set(key, entry.run !== undefined && runDependsOn(entry.run, taken) ? { ...entry, run: undefined } : entry);
    }
  }
  return carried.size === 0 ? NO_SLEEP : { carried, asleep: asleepAt(carried, point) };
}

/** The entries still independent of the step taken; an entry whose run the step depends on keeps only 1. */
function carriedPast(entries: ReadonlyMap<number, Asleep>, taken: Footprint): Map<number, Asleep> {
  const carried = new Map<number, Asleep>();
  for (const [key, entry] of entries) {
    if (sleepDependent(entry.footprint, taken)) continue;
    carried.set(key, entry.run !== undefined && runDependsOn(entry.run, taken) ? { ...entry, run: undefined } : entry);
  }
  return carried;
}

/** The carried choices that may sleep at `point` (see 1. and 2. above). */
function asleepAt(carried: ReadonlyMap<number, Asleep>, point: ChoicePoint): Set<number> {
  const asleep = new Set<number>();
  const onward = point.freeSwitch ? 0 : 1;
  for (const [key, entry] of carried) {
    const index = point.keys.indexOf(key);
    if (index < 0) continue;
    if (entry.unconditional || entry.extra - (point.costs[index] ?? 0) + onward <= 0) asleep.add(key);
    else if (entry.run !== undefined && entry.runExtra <= 0 && point.choices[index]?.kind === 'step' && (!point.freeSwitch || (!entry.detour && quiet(point)))) asleep.add(key);
  }
  return asleep;
}

/** Nothing but CPUs' steps can happen at the point. */
function quiet(point: ChoicePoint): boolean {
  return point.choices.every((choice) => choice.kind === 'step');
}

/** The entry for choice `key` explored at `node` before the choice at `nextIndex` there (see above for the costs). */
function entryFor(node: SearchNode, key: number, footprint: Footprint, nextIndex: number, unconditional: boolean): Asleep {
  const index = node.point.keys.indexOf(key);
  const earlier = node.point.choices[index];
  const next = node.point.choices[nextIndex];
  const record = node.runs[index];
  if (earlier === undefined || next === undefined || record === undefined) return { footprint, unconditional, extra: Infinity, runExtra: Infinity, run: undefined, detour: true };
  // What the choice taken costs right after `key`'s: a preemption one, an interrupt or IPI nothing, a step one unless that CPU stopped.
  const detour = next.kind === 'preempt' || next.kind === 'stale' ? 1 : 0;
  const after = detour === 1 ? 1 : next.kind === 'step' && next.cpu !== earlier.cpu && !record.stoppedAtOnce ? 1 : 0;
  const cost = node.point.costs[index] ?? 0;
  const takenCost = node.point.costs[nextIndex] ?? 0;
  return { footprint, unconditional, extra: cost + after - takenCost, runExtra: cost - takenCost + detour, run: record.run(), detour: record.detour };
}

function runDependsOn(run: RunTouches, step: Footprint): boolean {
  if (run.cpu === step.cpu || flushAndStore(step, run.cpu, run.writes) || (run.views && flushMeetsViews(step, run.cpu))) return true;
  for (const location of step.writes) if (run.reads.has(location) || run.writes.has(location)) return true;
  for (const location of step.reads) if (run.writes.has(location)) return true;
  return false;
}

/**
 * After an execution, records for each point from `from` on what its choice was followed by (see
 * RunRecord), deepest first so that each run extends the one after it. `end` is the point at
 * which the execution stopped, if any (its choices all past a bound, or all asleep).
 */
export function recordRuns(path: readonly SearchNode[], from: number, end: ChoicePoint | undefined): void {
  for (let depth = path.length - 1; depth >= from; depth--) {
    const node = path[depth];
    if (node === undefined) continue;
    node.runs[node.chosen] = runAfter(node, path[depth + 1], end);
  }
}

/** With no point after a choice the execution ended there: nothing followed it to compare. */
const UNKNOWN_RUN = new RunRecord(false, undefined, undefined, false, true);

function runAfter(node: SearchNode, next: SearchNode | undefined, end: ChoicePoint | undefined): RunRecord {
  const footprint = node.footprints[node.chosen];
  const choice = node.point.choices[node.chosen];
  const after = next?.point ?? end;
  if (footprint === undefined || choice === undefined || after === undefined) return UNKNOWN_RUN;
  const step = choice.kind === 'step' ? footprint : undefined;
  if (after.freeSwitch) return new RunRecord(true, step, undefined, true, sendsIpi(footprint));
  const nextChoice = next?.point.choices[next.chosen];
  const rest = next?.runs[next.chosen];
  // The first execution left the CPU while it could have gone on: the rest of its run is not known.
  if (step === undefined || nextChoice?.kind !== 'step' || nextChoice.cpu !== choice.cpu || rest === undefined) return new RunRecord(false, step, undefined, false, true);
  return new RunRecord(false, step, rest, rest.whole, rest.detour || after.detour || sendsIpi(footprint));
}

/** A sleep set's entry as plain data, for a subtree handed to another worker (see work-split.ts). */
export interface HandedAsleep {
  readonly key: number;
  readonly footprint: Footprint;
  readonly unconditional: boolean;
  readonly extra: number;
  readonly runExtra: number;
  readonly run?: { readonly cpu: number; readonly reads: readonly number[]; readonly writes: readonly number[]; readonly views: boolean };
  readonly detour: boolean;
}

/**
 * What a subtree handed over at `node`, entered there by `key`, needs of the giver's sleep set:
 * the entries carried to `node`, and the choices explored there or being explored (the giver's
 * own), which sleep below `key` as they would had `key` been explored after them.
 */
export function handedSleep(node: SearchNode, key: number, unbitten: boolean): HandedAsleep[] {
  const handed: HandedAsleep[] = [];
  if (node.sleep.onlyAfter === undefined) for (const [carriedKey, entry] of node.sleep.carried) handed.push(plain(carriedKey, entry));
  if (node.point.timers) return handed;
  const nextIndex = node.point.keys.indexOf(key);
  const current = node.point.keys[node.chosen] ?? -1;
  for (const explored of [...node.done, current]) {
    const footprint = footprintOfKey(node, explored);
    if (explored === key || footprint === undefined || touchesTimers(footprint)) continue;
    // The choice being explored may yet meet the bound below: it sleeps on costs alone.
    const entry = entryFor(node, explored, footprint, nextIndex, unbitten && explored !== current);
    if (entry.unconditional || Number.isFinite(entry.extra)) handed.push(plain(explored, entry));
  }
  return handed;
}

function plain(key: number, entry: Asleep): HandedAsleep {
  const { footprint, unconditional, extra, runExtra, run, detour } = entry;
  return { key, footprint, unconditional, extra: finite(extra), runExtra: finite(runExtra), detour, ...(run === undefined ? {} : { run: { cpu: run.cpu, reads: [...run.reads], writes: [...run.writes], views: run.views } }) };
}

/** The sleep set of a handed-over subtree's root, from the giver's entries: they go on below `key` only. */
export function takenSleep(handed: readonly HandedAsleep[], key: number): SleepSet {
  const carried = new Map<number, Asleep>();
  for (const { key: handedKey, footprint, unconditional, extra, runExtra, run, detour } of handed) {
    carried.set(handedKey, { footprint, unconditional, extra, runExtra, detour, run: run === undefined ? undefined : { cpu: run.cpu, reads: new Set(run.reads), writes: new Set(run.writes), views: run.views } });
  }
  // Nothing sleeps at the root itself: its alternatives are contested, and asking for more there is safe.
  return { carried, asleep: new Set(), onlyAfter: key };
}

/** Costs cross threads as plain numbers: one past any bound stands for none known. */
function finite(extra: number): number {
  return Number.isFinite(extra) ? extra : Number.MAX_SAFE_INTEGER;
}
