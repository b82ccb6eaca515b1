import { createPrng, type Prng } from '@kmodsim/cpu';
import { ExecutionDriver, type Bounds, type ChoicePoint, type Outcome } from './execution.js';
import { crossCheck, ExecutionStarts, type Start } from './starts.js';
import type { ExploreTarget } from './target.js';
import { SearchTally, type SearchProgress } from './tally.js';

// Sampling searches for configurations too large to exhaust. Random picks uniformly among the
// allowed choices at every point. PCT (Burckhardt et al., "A Randomized Scheduler with
// Probabilistic Guarantees of Finding Bugs", 2010) gives each CPU a random priority, always runs
// the highest-priority CPU that can run, and lowers the running CPU's priority at d-1 random
// steps: a bug that needs d ordering constraints is found with probability at least 1/(n k^(d-1)).

export interface SamplingOptions {
  readonly mode: 'random' | 'pct';
  readonly bounds: Bounds;
  readonly seed: number;
  readonly executions: number;
  /** PCT's bug depth d. */
  readonly depth: number;
  readonly stopAtFirstViolation: boolean;
  readonly shard?: { readonly index: number; readonly count: number };
  readonly onProgress?: (progress: SearchProgress) => void;
}

type Picker = (point: ChoicePoint, stepIndex: number) => number;

export function samplingSearch(target: ExploreTarget, options: SamplingOptions, starts = new ExecutionStarts(target, true)): SearchTally {
  const tally = new SearchTally(options.onProgress);
  const shard = options.shard ?? { index: 0, count: 1 };
  let estimatedSteps = 100;
  for (let execution = 0; execution < options.executions; execution++) {
    if (execution % shard.count !== shard.index) continue;
    const estimate = estimatedSteps;
    const picker = (): Picker => {
      const prng = createPrng(mixSeed(options.seed, execution));
      return options.mode === 'random' ? randomPicker(prng) : pctPicker(prng, target.cpuCount, options.depth, estimate);
    };
    const start = starts.next();
    const { outcome, steps } = runSampled(start, options.bounds, picker());
    crossCheck(starts, start, outcome, (fresh) => runSampled(fresh, options.bounds, picker()).outcome);
    estimatedSteps = Math.max(estimatedSteps, steps);
    tally.record(outcome);
    if (tally.shouldStop(options.stopAtFirstViolation, Infinity)) return tally;
  }
  // Sampling never covers everything within its bounds: the search is never exhausted.
  return tally;
}

function runSampled(start: Start, bounds: Bounds, pick: Picker): { outcome: Outcome; steps: number } {
  const driver = new ExecutionDriver(start.machine, start.check, bounds);
  let steps = 0;
  let point = driver.nextPoint();
  for (; point !== undefined && point.choices.length > 0; point = driver.nextPoint()) {
    driver.perform(point, pick(point, steps));
    steps++;
  }
  return { outcome: driver.confirmLivelock(driver.outcome(false, point)), steps };
}

function randomPicker(prng: Prng): Picker {
  return (point) => prng.below(point.choices.length);
}

function pctPicker(prng: Prng, cpuCount: number, depth: number, estimatedSteps: number): Picker {
  // Distinct random priorities d .. d+n-1; change points take priorities d-1 .. 1.
  const priorities = shuffle(prng, Array.from({ length: cpuCount }, (_, cpu) => depth + cpu));
  const changeAt = new Map<number, number>();
  for (let change = 1; change < depth; change++) changeAt.set(prng.below(Math.max(estimatedSteps, 1)), depth - change);
  return (point, stepIndex) => {
    let best = 0;
    let bestPriority = -Infinity;
    point.choices.forEach((choice, index) => {
      // Interrupts and preemptions are rare events: PCT leaves them to chance, at a low rate.
      const priority = choice.kind === 'step' || choice.kind === 'ipi' ? (priorities[choice.cpu] ?? 0) : prng.next() < 0.02 ? Infinity : -Infinity;
      if (priority > bestPriority) {
        bestPriority = priority;
        best = index;
      }
    });
    const lowered = changeAt.get(stepIndex);
    const chosen = point.choices[best];
    if (lowered !== undefined && chosen !== undefined) priorities[chosen.cpu] = lowered;
    return best;
  };
}

function shuffle(prng: Prng, values: number[]): number[] {
  for (let index = values.length - 1; index > 0; index--) {
    const other = prng.below(index + 1);
    const value = values[index] ?? 0;
    values[index] = values[other] ?? 0;
    values[other] = value;
  }
  return values;
}

function mixSeed(seed: number, execution: number): number {
  return (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) + Math.imul(execution, 0xc2b2ae35)) >>> 0;
}
