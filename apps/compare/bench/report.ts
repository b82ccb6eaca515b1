import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchmarkLine } from '@kmodsim/bench';

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
const bin = fileURLToPath(new URL('../bin/kmodsim-compare.js', import.meta.url));
/**
 * Preloaded into each timed process (node --import): as it exits, it writes the CPU time all its
 * threads used to the file KMODSIM_BENCH_USAGE names, which the parent cannot read from outside.
 */
const USAGE_HOOK = `data:text/javascript,${encodeURIComponent(`
import { writeFileSync } from 'node:fs';
process.on('exit', () => {
  const usage = process.resourceUsage();
  writeFileSync(process.env.KMODSIM_BENCH_USAGE, JSON.stringify({ cpuSeconds: (usage.userCPUTime + usage.systemCPUTime) / 1e6 }));
});`)}`;

interface Timed {
  readonly seconds: number;
  readonly cpuSeconds: number;
}

/** One run of the bin, timed; its CPU time comes from the process itself as it exits (USAGE_HOOK). */
function timed(args: readonly string[], scratch: string): Timed {
  const usageFile = join(scratch, 'usage.json');
  const start = process.hrtime.bigint();
  const ran = spawnSync(process.execPath, ['--import', USAGE_HOOK, bin, ...args], { cwd: scratch, encoding: 'utf8', env: { ...process.env, KMODSIM_BENCH_USAGE: usageFile }, maxBuffer: 64 * 1024 * 1024 });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  // Exit 1 is a surprise in the matrix; the time still counts, and the line says it.
  if (ran.status !== 0 && ran.status !== 1) throw new Error(`kmodsim-compare ${args.join(' ')} failed (${String(ran.status)}): ${ran.stderr}`);
  const usage = JSON.parse(readFileSync(usageFile, 'utf8')) as { cpuSeconds: number };
  return { seconds, cpuSeconds: usage.cpuSeconds };
}

function best(runs: readonly Timed[]): Timed {
  return runs.reduce((a, b) => (b.seconds < a.seconds ? b : a));
}

export function benchReport(): BenchmarkLine {
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
    return {
      name: 'compare.report', value: round(reported.seconds), unit: 's', baseline: round(checked.seconds), ratio: round(reported.seconds / checked.seconds),
      goal: `<= ${GOAL_RATIO}`, rounds, matrix: subset.length === 0 ? 'built-in' : subset.join(' '), cpuSeconds: round(reported.cpuSeconds), baselineCpuSeconds: round(checked.cpuSeconds), cpuRatio: round(reported.cpuSeconds / checked.cpuSeconds),
      pageBytes: statSync(join(scratch, 'report.html')).size,
      note: 'value = kmodsim-compare report on the built-in matrix, baseline = kmodsim-compare check on it, wall seconds of the built bin; cpuRatio = the same in CPU seconds of all their threads (the pricing runs on a thread beside the searches)',
    };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
