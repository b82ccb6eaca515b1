import type { Choice } from '@kmodsim/cpu';
import type { ChoicePoint } from './execution.js';

// One object per distinct choice point. A search makes a point per step, and keeps it in its
// node; but a scenario's points are few (the same CPUs able to step at the same costs, mostly),
// so each point is looked up by a number that says all of it, and made only the first time.
// Nothing writes a point once made, so every node that meets it can share it.

/** Points kept per machine shape at most: past this, a new one is made every time it is met. */
const KEPT_POINTS = 1 << 16;

/** A code past which one more choice could pass 2^53: such a point is made every time. */
const UNCODED = -1;

/** Builds the point of each step from its choices, handing back a kept point that is the same. */
export class ChoicePoints {
  private readonly known = new Map<number, ChoicePoint>();
  private readonly choices: Choice[] = [];
  private readonly keys: number[] = [];
  private readonly costs: number[] = [];
  /** Choices added since begin(): the arrays above are written in place and never cut (setting a length is slow in V8). */
  private count = 0;
  private code = 0;
  /** One more than the largest digit a choice adds: its key and cost as key * 2 + cost + 1. */
  private readonly radix: number;
  private readonly largestCode: number;
  /** The point handed back last, and its code. */
  private lastCode = UNCODED;
  private last: ChoicePoint | undefined;

  /** `keyCount`: one more than the largest key a choice of the machine can have. */
  constructor(keyCount: number) {
    this.radix = 2 * keyCount + 1;
    this.largestCode = Math.floor(Number.MAX_SAFE_INTEGER / (this.radix * FLAG_VALUES)) - 1;
  }

  /** Starts a new point. */
  begin(): void {
    this.count = 0;
    this.code = 0;
  }

  /** Adds a choice allowed at the point, with its key and its cost in preemptions (0 or 1). */
  add(choice: Choice, key: number, cost: number): void {
    const count = this.count++;
    this.choices[count] = choice;
    this.keys[count] = key;
    this.costs[count] = cost;
    if (this.code === UNCODED) return;
    this.code = this.code > this.largestCode ? UNCODED : this.code * this.radix + key * 2 + cost + 1;
  }

  /** The point of the choices added since begin(), with its flags (see ChoicePoint). */
  point(bounded: boolean, freeSwitch: boolean, detour: boolean, timers: boolean, capped: boolean): ChoicePoint {
    const flags = (bounded ? 1 : 0) | (freeSwitch ? 2 : 0) | (detour ? 4 : 0) | (timers ? 8 : 0) | (capped ? 16 : 0);
    const code = this.code === UNCODED ? UNCODED : this.code * FLAG_VALUES + flags;
    // Consecutive steps mostly meet the same point, and a code past 2^30 is a slow key for a map.
    if (code !== UNCODED && code === this.lastCode && this.last !== undefined) return this.last;
    const known = code === UNCODED ? undefined : this.known.get(code);
    if (known !== undefined) {
      this.lastCode = code;
      this.last = known;
      return known;
    }
    const count = this.count;
    const made: ChoicePoint = { choices: this.choices.slice(0, count), keys: this.keys.slice(0, count), costs: this.costs.slice(0, count), bounded, freeSwitch, detour, timers, capped };
    if (code !== UNCODED && this.known.size < KEPT_POINTS) {
      this.known.set(code, made);
      this.lastCode = code;
      this.last = made;
    }
    return made;
  }
}

/** How many values the five flags of a point take together. */
const FLAG_VALUES = 32;

/** The kept points of each machine shape (CPUs and interrupt sources, which fix what each key stands for). */
const byShape = new Map<number, ChoicePoints>();

/** The points of machines with this many CPUs and interrupt sources. */
export function choicePointsOf(cpuCount: number, irqSources: number, keyCount: number): ChoicePoints {
  const shape = cpuCount * 65_536 + irqSources;
  let points = byShape.get(shape);
  if (points === undefined) {
    points = new ChoicePoints(keyCount);
    byShape.set(shape, points);
  }
  return points;
}
