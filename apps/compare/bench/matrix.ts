import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchmarkLine } from '@kmodsim/bench';
import { bareLoop } from './cost.js';
import { best, timed, type Timed } from './timed-bin.js';

// explore.matrix: the wall time of `kmodsim-compare check` on the whole built-in matrix on one
// worker (the runs compare.report timed), against 100 million steps of cpu.steps' bare generator
// loop timed in the same run: what a verdict on every pair costs, in units of the machine's
// speed. Issue 19's goal: <= 10.
// explore.parallel: the speed-up of `--workers 2` over one worker on the largest single pair (the
// seed design on migrate-put), each the built bin in a process of its own; both searches run the
// same executions (the threads take subtrees from each other and never repeat one). Goal >= 1.7
// on a quiet 2-core machine. KMODSIM_BENCH_ROUNDS=2 alternates the two, the best of each.

const MATRIX_GOAL = 10;
const PARALLEL_GOAL = 1.7;
const LARGEST_PAIR = ['--strategy', 'percpu-stop-machine', '--scenario', 'migrate-put', '--quiet'];

/** Pairs and executions from check's summary line: `N pairs: ...; E executions in S s`. */
function summaryOf(run: Timed): { pairs: number; executions: number } {
  const match = /^(\d+) pairs: .*; (\d+) executions in /m.exec(run.stdout);
  if (match === null) throw new Error(`no summary line in check's output: ${run.stdout.slice(-500)}`);
  return { pairs: Number(match[1]), executions: Number(match[2]) };
}

export async function benchMatrix(checks: readonly Timed[]): Promise<BenchmarkLine> {
  const checked = best(checks);
  const bare = await bareLoop();
  return {
    name: 'explore.matrix', value: round(checked.seconds), unit: 's for kmodsim-compare check (the built-in matrix, one worker)', baseline: round(bare.wallSeconds),
    ratio: round(checked.seconds / bare.wallSeconds), goal: `<= ${MATRIX_GOAL}`, ...summaryOf(checked),
    note: 'baseline = 100 million steps of cpu.steps\' bare generator loop, timed in the same run',
  };
}

export function benchParallel(): BenchmarkLine {
  const rounds = Math.max(1, Number(process.env['KMODSIM_BENCH_ROUNDS'] ?? 1));
  const scratch = mkdtempSync(join(tmpdir(), 'kmodsim-bench-parallel-'));
  try {
    const alone: Timed[] = [];
    const pooled: Timed[] = [];
    const one = () => alone.push(timed(['check', ...LARGEST_PAIR], scratch));
    const two = () => pooled.push(timed(['check', ...LARGEST_PAIR, '--workers', '2'], scratch));
    for (let round = 0; round < rounds; round++) {
      if (round % 2 === 0) { one(); two(); } else { two(); one(); }
    }
    const single = best(alone);
    const double = best(pooled);
    return {
      name: 'explore.parallel', value: round(single.seconds / double.seconds), unit: 'x speed-up of --workers 2', baseline: round(single.seconds), ratio: round(single.seconds / double.seconds),
      goal: `>= ${PARALLEL_GOAL}`, rounds, pair: 'percpu-stop-machine on migrate-put', seconds: round(double.seconds), executions: summaryOf(single).executions, workersExecutions: summaryOf(double).executions,
      note: 'baseline = wall seconds on one worker; seconds = on two; executions of each beside it (the same when no subtree is searched twice)',
    };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
