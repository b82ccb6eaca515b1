import { reportBenchmark } from '@kmodsim/bench';
import { MAX_MODULE_BYTES } from '../src/index.js';
import type { CampaignSummary } from './campaign.js';

// The campaign's summary as people read it, then the fuzz.linker figure as `pnpm bench` prints
// figures: inputs per second through the whole linker, with crashes, hangs and peak memory
// beside it. The baseline is the peak RSS the issue allows (1.5 x the image limit, MiB), so the
// ratio of peak to allowance must stay under 1.

const MiB = 1024 * 1024;

export function reportFuzz(summary: CampaignSummary, write: (text: string) => void): void {
  const crashes = summary.failures.filter((f) => f.kind === 'crash').length;
  const hangs = summary.failures.filter((f) => f.kind === 'hang').length;
  const allowedMiB = (1.5 * MAX_MODULE_BYTES) / MiB;
  const peakMiB = Math.round(summary.peakRssBytes / MiB);
  write(`# fuzz.linker: seed ${summary.seed}, ${summary.inputs} inputs from ${summary.sources} sources in ${summary.seconds.toFixed(1)} s\n`);
  write(`# crashes ${crashes}, hangs ${hangs}, peak RSS ${peakMiB} MiB (allowed ${allowedMiB} MiB)\n`);
  if (summary.slowest !== undefined) write(`# slowest input: round ${summary.slowest.round} (${summary.slowest.source}), ${summary.slowest.ms.toFixed(1)} ms\n`);
  if (summary.worstMemory !== undefined) write(`# most memory: round ${summary.worstMemory.round} (${summary.worstMemory.source}) raised the peak by ${(summary.worstMemory.raisedBytes / MiB).toFixed(1)} MiB\n`);
  reportBenchmark({
    name: 'fuzz.linker',
    value: Math.round(summary.inputsPerSecond),
    unit: 'inputs/s',
    baseline: allowedMiB,
    ratio: Math.round((peakMiB / allowedMiB) * 100) / 100,
    crashes,
    hangs,
    peakRssMiB: peakMiB,
    slowestMs: summary.slowest === undefined ? 0 : Math.round(summary.slowest.ms),
    seed: summary.seed,
    inputs: summary.inputs,
    goal: 'crashes 0, hangs 0, ratio (peak RSS / 1.5 x image limit) <= 1',
    note: 'value = mutated inputs per second through readModuleImage, both depmod readers and linkModule; baseline = allowed peak RSS in MiB',
  }, write);
}
