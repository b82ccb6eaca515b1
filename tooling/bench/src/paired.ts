import { timeCalls } from './timing.js';

// A ratio of two rates that stands up on a shared, busy machine. Other work comes and goes in
// bursts of seconds and can halve both rates at once, so each sample times the subject and the
// baseline back to back (their order alternating, so that neither always runs on the cache and
// clock the other left) and the figure is the median of the samples' ratios: a burst that hits
// a few samples moves neither the median nor the other samples.

export interface PairedOptions {
  /** Calls of each body before timing, so that both run optimized code (default 10). */
  readonly warmUpCalls?: number;
  /** Samples taken (default 31; odd, so the median is one of them). */
  readonly samples?: number;
  /** Each body is called repeatedly until a sample lasts this long (default 0.01 s). */
  readonly minSampleSeconds?: number;
}

export interface PairedComparison {
  /** The median of the subject's per-sample rates, operations per second. */
  readonly subjectPerSecond: number;
  /** The median of the baseline's per-sample rates, operations per second. */
  readonly baselinePerSecond: number;
  /** The median of the samples' ratios, subject rate / baseline rate. */
  readonly ratio: number;
  /** The first and third quartiles of the samples' ratios: their spread. */
  readonly ratioQuartiles: readonly [number, number];
  readonly samples: number;
}

/** A paired measurement of `subject` against `baseline`, each performing the given operations per call. */
export function comparePaired(
  subject: () => void,
  subjectOperationsPerCall: number,
  baseline: () => void,
  baselineOperationsPerCall: number,
  options: PairedOptions = {},
): PairedComparison {
  const samples = options.samples ?? 31;
  const minSampleSeconds = options.minSampleSeconds ?? 0.01;
  for (let call = 0; call < (options.warmUpCalls ?? 10); call++) {
    subject();
    baseline();
  }
  const subjectRates: number[] = [];
  const baselineRates: number[] = [];
  const ratios: number[] = [];
  for (let sample = 0; sample < samples; sample++) {
    let subjectRate: number;
    let baselineRate: number;
    if (sample % 2 === 0) {
      subjectRate = sampleRate(subject, subjectOperationsPerCall, minSampleSeconds);
      baselineRate = sampleRate(baseline, baselineOperationsPerCall, minSampleSeconds);
    } else {
      baselineRate = sampleRate(baseline, baselineOperationsPerCall, minSampleSeconds);
      subjectRate = sampleRate(subject, subjectOperationsPerCall, minSampleSeconds);
    }
    subjectRates.push(subjectRate);
    baselineRates.push(baselineRate);
    ratios.push(subjectRate / baselineRate);
  }
  return {
    subjectPerSecond: quantile(subjectRates, 0.5),
    baselinePerSecond: quantile(baselineRates, 0.5),
    ratio: quantile(ratios, 0.5),
    ratioQuartiles: [quantile(ratios, 0.25), quantile(ratios, 0.75)],
    samples,
  };
}

/** Operations per second of `body` called until at least `minSeconds` have passed. */
function sampleRate(body: () => void, operationsPerCall: number, minSeconds: number): number {
  const { calls, seconds } = timeCalls(body, minSeconds);
  return (calls * operationsPerCall) / seconds;
}

/** The value below which a fraction `q` of `values` lie (the nearest sample, no interpolation). */
function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
}
