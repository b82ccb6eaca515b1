// fuzz.linker: the fuzz campaign for a fixed budget (fixed seed, the real tree when present),
// and fuzz.crafted: issue 21's crafted inputs, each in a process of its own, with the time and
// the peak memory of the worst. Goals: crashes 0, hangs 0, peak RSS at most 1.5 x the image
// limit; every crafted input refused or read in under 1 s with under 1 GiB.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { reportBenchmark } from '@kmodsim/bench';
import { runCampaign } from '../fuzz/campaign.js';
import { CRAFTED } from '../fuzz/craft.js';
import { reportFuzz } from '../fuzz/report.js';

const BENCH_SECONDS = Number(process.env['FUZZ_BENCH_SECONDS'] ?? '20');
const SEED = 20240621;
const MiB = 1024 * 1024;

const summary = await runCampaign({ seconds: BENCH_SECONDS, seed: SEED, tree: true, log: (line) => process.stderr.write(`${line}\n`) });
reportFuzz(summary, (line) => { if (!line.startsWith('#')) process.stdout.write(line); else process.stderr.write(line); });

interface CraftedRun {
  readonly name: string;
  readonly outcome: string;
  readonly ms: number;
  readonly maxRssBytes: number;
}

const child = fileURLToPath(new URL('../fuzz/crafted-child.ts', import.meta.url));
const runs: CraftedRun[] = Object.keys(CRAFTED).map((name) => {
  const out = execFileSync(process.execPath, [...process.execArgv, child], { env: { ...process.env, CRAFTED_INPUT: name }, encoding: 'utf8' });
  return JSON.parse(out) as CraftedRun;
});
const slowest = runs.reduce((a, b) => (b.ms > a.ms ? b : a));
const hungriest = runs.reduce((a, b) => (b.maxRssBytes > a.maxRssBytes ? b : a));
reportBenchmark({
  name: 'fuzz.crafted',
  value: Math.round(slowest.ms),
  unit: 'ms',
  baseline: 1000,
  ratio: Math.round((slowest.ms / 1000) * 100) / 100,
  slowest: slowest.name,
  peakRssMiB: Math.round(hungriest.maxRssBytes / MiB),
  hungriest: hungriest.name,
  inputs: runs.map((r) => ({ name: r.name, outcome: r.outcome, ms: Math.round(r.ms), peakRssMiB: Math.round(r.maxRssBytes / MiB) })),
  goal: 'ratio <= 1 (each under 1 s) and peakRssMiB < 1024',
  note: 'value = the slowest crafted input through every entry point, each in a process of its own; baseline = 1000 ms',
});
