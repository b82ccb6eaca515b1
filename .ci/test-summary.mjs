// Runs the README's test command and closes with one plain line, "tests: N passed, M failed",
// summed over every package's vitest run, so CI's log says how many tests ran.
import { spawn } from 'node:child_process';

const child = spawn('pnpm', ['test'], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, FORCE_COLOR: '0' } });
let passed = 0;
let failed = 0;
let buffered = '';
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  buffered += chunk.toString();
  const lines = buffered.split('\n');
  buffered = lines.pop() ?? '';
  for (const raw of lines) {
    const line = raw.replace(/\u001b\[[0-9;]*m/g, '');
    const counts = /\bTests\s+(?:(\d+) failed \| )?(\d+) passed/.exec(line) ?? /\bTests\s+(\d+) failed/.exec(line);
    if (counts === null) continue;
    if (counts.length === 3) {
      failed += Number(counts[1] ?? 0);
      passed += Number(counts[2]);
    } else {
      failed += Number(counts[1]);
    }
  }
});
child.on('close', (code) => {
  console.log(`tests: ${passed} passed, ${failed} failed`);
  process.exitCode = code ?? 1;
});
