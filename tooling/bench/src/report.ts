import { timeCalls } from './timing.js';

// Benchmarks print one JSON object per line so that `pnpm bench` output can be diffed, graphed
// and checked by scripts. A ratio always compares two figures measured in the same process,
// because the machines that run these are shared and absolute times drift.

export interface BenchmarkLine {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly baseline: number;
  /** value / baseline, unless the benchmark says otherwise. */
  readonly ratio: number;
  /** Anything else worth keeping next to the figures: parameters, goals, notes. */
  readonly [extra: string]: unknown;
}

export function reportBenchmark(line: BenchmarkLine, write: (text: string) => void = defaultWrite): void {
  write(`${JSON.stringify(line)}\n`);
}

function defaultWrite(text: string): void {
  process.stdout.write(text);
}

export interface RateMeasurement {
  readonly operations: number;
  readonly seconds: number;
  readonly perSecond: number;
}

/**
 * Runs `body` (which performs `operationsPerCall` operations) repeatedly for at least
 * `minSeconds` of wall time after a warm-up, and returns the best rate of `rounds` rounds:
 * the best round is the one least disturbed by other work on a shared machine.
 */
export function measureRate(
  body: () => void,
  operationsPerCall: number,
  options: { readonly minSeconds?: number; readonly rounds?: number } = {},
): RateMeasurement {
  const minSeconds = options.minSeconds ?? 0.3;
  const rounds = options.rounds ?? 5;
  body();
  let best: RateMeasurement = { operations: 0, seconds: 0, perSecond: 0 };
  for (let round = 0; round < rounds; round++) {
    const { calls, seconds: elapsedSeconds } = timeCalls(body, minSeconds / rounds);
    const operations = calls * operationsPerCall;
    const perSecond = operations / elapsedSeconds;
    if (perSecond > best.perSecond) best = { operations, seconds: elapsedSeconds, perSecond };
  }
  return best;
}
