import { copyFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchmarkLine } from '@kmodsim/bench';
import { best, timed, type Timed } from './timed-bin.js';

// compare.report: the wall time of `kmodsim-compare report` on the built-in matrix (every
// strategy against every checked scenario, priced at 1 to 1,024 CPUs on the calibrated profile),
// against `kmodsim-compare check` on the same matrix, each as a user runs it: the built bin, a
// process of its own, with its defaults. Both are timed in this run, in the order check, report
// (KMODSIM_BENCH_ROUNDS=2 runs check, report, report, check, the best of each, which cancels a
// load that rises or falls steadily). What the report adds to the check is its replays of the
// counterexamples, the pricing (on a thread of its own, beside the searches) and the page; the
// CPU time of each process, all its threads, is kept beside the wall times, since with a second
// core the pricing costs CPU time but little wall time. KMODSIM_BENCH_KEEP_REPORT=FILE keeps the
// page it made.

const GOAL_RATIO = 1.1;
/** compare.report, and the check runs it timed (explore.matrix reads them too: the matrix is searched once for both). */
export function benchReport(): { line: BenchmarkLine; checks: readonly Timed[] } {
  const rounds = Math.max(1, Number(process.env['KMODSIM_BENCH_ROUNDS'] ?? 1));
  const scratch = mkdtempSync(join(tmpdir(), 'kmodsim-bench-report-'));
  try {
    const checks: Timed[] = [];
    const reports: Timed[] = [];
    // A part of the matrix instead of the whole, to try the benchmark quickly: KMODSIM_BENCH_MATRIX='--strategy global-spinlock --scenario irq-get-put'.
    const subset = (process.env['KMODSIM_BENCH_MATRIX'] ?? '').split(' ').filter((word) => word !== '');
    const check = () => checks.push(timed(['check', ...subset], scratch));
    const report = () => reports.push(timed(['report', ...subset, '--out', 'report.html'], scratch));
    for (let round = 0; round < rounds; round++) {
      if (round % 2 === 0) { check(); report(); } else { report(); check(); }
    }
    // The page is the built-in matrix's report, as `kmodsim-compare report` makes it: kept where asked (the README's picture is of one).
    const keep = process.env['KMODSIM_BENCH_KEEP_REPORT'];
    if (keep !== undefined && keep !== '') copyFileSync(join(scratch, 'report.html'), keep);
    const checked = best(checks);
    const reported = best(reports);
    const line: BenchmarkLine = {
      name: 'compare.report', value: round(reported.seconds), unit: 's', baseline: round(checked.seconds), ratio: round(reported.seconds / checked.seconds),
      goal: `<= ${GOAL_RATIO}`, rounds, matrix: subset.length === 0 ? 'built-in' : subset.join(' '), cpuSeconds: round(reported.cpuSeconds), baselineCpuSeconds: round(checked.cpuSeconds), cpuRatio: round(reported.cpuSeconds / checked.cpuSeconds),
      pageBytes: statSync(join(scratch, 'report.html')).size,
      note: 'value = kmodsim-compare report on the built-in matrix, baseline = kmodsim-compare check on it, wall seconds of the built bin; cpuRatio = the same in CPU seconds of all their threads (the pricing runs on a thread beside the searches)',
    };
    return { line, checks };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
