// Runs the README's test command and closes with one plain line, summed over every package's
// vitest run, so CI's log says how many tests ran and how long `pnpm test` took:
//   tests: N passed, M failed, K skipped; pnpm test took 3 min 41 s
// `pnpm test` goes on past a failing package (turbo --continue), so the count covers every package
// that could run; the tasks that failed are named after it, and any failure fails this script.
import { spawn } from 'node:child_process';

const started = performance.now();
const child = spawn('pnpm', ['test', ...process.argv.slice(2)], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, NO_COLOR: '1' } });
const totals = { passed: 0, failed: 0, skipped: 0 };
/** Test files vitest could not run at all (an import that throws): they count no test. */
let brokenFiles = 0;
let failedTasks = [];
let buffered = '';

/** The counts on a vitest summary line ("Tests  2 failed | 40 passed | 1 skipped (43)"), if it is one. */
function countsOf(line, label) {
  const match = new RegExp(`\\b${label}\\s+((?:\\d+ \\w+(?: \\| )?)+)\\s*\\(\\d+\\)`).exec(line);
  if (match === null) return undefined;
  return Object.fromEntries([...match[1].matchAll(/(\d+) (\w+)/g)].map(([, count, kind]) => [kind, Number(count)]));
}

function read(raw) {
  const line = raw.replace(/\u001b\[[0-9;]*m/g, '');
  const tests = countsOf(line, 'Tests');
  if (tests !== undefined) {
    totals.passed += tests.passed ?? 0;
    totals.failed += tests.failed ?? 0;
    totals.skipped += (tests.skipped ?? 0) + (tests.todo ?? 0);
    return;
  }
  const files = countsOf(line, 'Test Files');
  if (files !== undefined) {
    brokenFiles += files.failed ?? 0;
    return;
  }
  // turbo's closing lines: "Failed:    @kmodsim/a#test, @kmodsim/b#build"
  const failed = /^\s*Failed:\s+(.+)$/.exec(line);
  if (failed !== null) failedTasks = failed[1].split(',').map((task) => task.trim()).filter((task) => task !== '');
}

child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  buffered += chunk.toString();
  const lines = buffered.split('\n');
  buffered = lines.pop() ?? '';
  lines.forEach(read);
});

function duration(ms) {
  const seconds = Math.round(ms / 1000);
  return seconds < 60 ? `${seconds} s` : `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

child.on('close', (code) => {
  read(buffered);
  const took = duration(performance.now() - started);
  console.log(`tests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped; pnpm test took ${took}`);
  if (failedTasks.length > 0) console.log(`failed tasks: ${failedTasks.join(', ')}`);
  // A test file that failed to load counts no failed test, and turbo may say nothing of a task it
  // never started: any of these fails the run, whatever the exit status says.
  const failedAnyway = totals.failed > 0 || failedTasks.length > 0 || brokenFiles > 0 || totals.passed === 0;
  process.exitCode = code !== 0 ? (code ?? 1) : failedAnyway ? 1 : 0;
});
