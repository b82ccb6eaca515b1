import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// The built kmodsim-compare bin run as a user runs it, a process of its own, timed in wall and
// CPU seconds (all its threads).

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

export interface Timed {
  readonly seconds: number;
  readonly cpuSeconds: number;
  /** What the run printed on stdout (check's summary line gives its pairs and executions). */
  readonly stdout: string;
}

/** One run of the bin, timed; its CPU time comes from the process itself as it exits (USAGE_HOOK). */
export function timed(args: readonly string[], scratch: string): Timed {
  const usageFile = join(scratch, 'usage.json');
  const start = process.hrtime.bigint();
  const ran = spawnSync(process.execPath, ['--import', USAGE_HOOK, bin, ...args], { cwd: scratch, encoding: 'utf8', env: { ...process.env, KMODSIM_BENCH_USAGE: usageFile }, maxBuffer: 64 * 1024 * 1024 });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  // Exit 1 is a surprise in the matrix; the time still counts, and the line says it.
  if (ran.status !== 0 && ran.status !== 1) throw new Error(`kmodsim-compare ${args.join(' ')} failed (${String(ran.status)}): ${ran.stderr}`);
  const usage = JSON.parse(readFileSync(usageFile, 'utf8')) as { cpuSeconds: number };
  return { seconds, cpuSeconds: usage.cpuSeconds, stdout: ran.stdout };
}

export function best(runs: readonly Timed[]): Timed {
  return runs.reduce((a, b) => (b.seconds < a.seconds ? b : a));
}
