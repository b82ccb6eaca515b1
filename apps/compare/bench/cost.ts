import type { BenchmarkLine } from '@kmodsim/bench';
import { testIo } from '@kmodsim/cli';
import { BARE_STEPS_PER_RUN, runBare } from '../../../packages/cpu/bench/steps.js';
import { main } from '../src/cli.js';

// compare.cost: the wall time of `kmodsim-compare cost` as a user runs it, with its defaults
// (every built-in strategy, 1 to 1,024 CPUs, the calibrated profile), in this process, against
// 100 million steps of the bare generator loop that cpu.steps takes as its baseline, timed in the
// same run before and after it (the faster of the two, so a noisy neighbour counts against the
// command, not for it). The ratio is what the simulation costs over generators doing nothing.
// The CPU times beside it say how much of a loaded machine's wall time was waiting.

const BARE_STEPS = 100_000_000;
const GOAL_RATIO = 10;

export interface Timed {
  readonly wallSeconds: number;
  readonly cpuSeconds: number;
}

async function timed(body: () => Promise<void> | void): Promise<Timed> {
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  await body();
  const used = process.cpuUsage(cpu);
  return { wallSeconds: Number(process.hrtime.bigint() - start) / 1e9, cpuSeconds: (used.user + used.system) / 1e6 };
}

/** 100 million steps of cpu.steps' bare generator loop, timed: the baseline of compare.cost and explore.matrix. */
export function bareLoop(): Promise<Timed> {
  return timed(() => {
    for (let run = 0; run < BARE_STEPS / BARE_STEPS_PER_RUN; run++) runBare();
  });
}

export async function benchCost(): Promise<BenchmarkLine> {
  const bareBefore = await bareLoop();
  const io = testIo();
  let status = -1;
  const cost = await timed(async () => { status = await main(['cost'], io); });
  if (status !== 0) throw new Error(`kmodsim-compare cost exited ${status}: ${io.stderrText()}${io.stdoutText().slice(0, 2000)}`);
  const bareAfter = await bareLoop();
  const bare = bareBefore.wallSeconds <= bareAfter.wallSeconds ? bareBefore : bareAfter;
  return {
    name: 'compare.cost',
    value: round(cost.wallSeconds),
    unit: 's for kmodsim-compare cost (every built-in strategy, 1-1024 CPUs, xeon-8176-perfbook)',
    baseline: round(bare.wallSeconds),
    ratio: round(cost.wallSeconds / bare.wallSeconds),
    goal: `<= ${GOAL_RATIO}`,
    cpuSeconds: round(cost.cpuSeconds),
    baselineCpuSeconds: round(bare.cpuSeconds),
    cpuRatio: round(cost.cpuSeconds / bare.cpuSeconds),
    note: `baseline = ${BARE_STEPS / 1e6} million steps of cpu.steps' bare generator loop, timed in the same run; cpuRatio = the same in CPU time`,
  };
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
