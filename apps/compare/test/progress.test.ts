import { fileURLToPath } from 'node:url';
import { testIo } from '@kmodsim/cli';
import { describe, expect, test } from 'vitest';
import { main } from '../src/cli.js';
import { CheckProgress } from '../src/check/progress.js';

// check's progress line: on a terminal, pairs done of all, the search under way with its
// executions, and about how long is left; nothing with --quiet or when stderr is not a terminal.
// Time is the test's own clock, which moves a second each time it is read.

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));

async function checkOnTerminal(isTty: boolean, ...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  let clockMs = 0;
  const io = { ...testIo({ cwd: fixtures }), isTty, now: () => (clockMs += 1000) };
  const code = await main(['check', ...args], io);
  return { stdout: io.stdoutText(), stderr: io.stderrText(), code };
}

const TWO_PAIRS = ['--strategy', 'global-spinlock', '--scenario', 'unload-vs-get', '--scenario', 'wait-vs-last-put', '--preemptions', '1', '--irqs', '0'];

describe('kmodsim-compare check progress', () => {
  test('on a terminal: pairs done, the search under way, an estimate once a pair is done, and the line cleared before the table', async () => {
    const result = await checkOnTerminal(true, ...TWO_PAIRS);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('0 of 2 pairs done · global-spinlock on unload-vs-get: 0 executions');
    expect(result.stderr).toMatch(/1 of 2 pairs done · global-spinlock on wait-vs-last-put: [\d,]+ executions · about \d+ s left/);
    // Every drawing of the line starts by clearing it, and the last thing on stderr clears it.
    expect(result.stderr.endsWith('\r\u001b[K')).toBe(true);
    expect(result.stdout).toMatch(/^global-spinlock\s+unload-vs-get\s+CLEAN/m);
    expect(result.stdout).not.toContain('\r');
  });

  test('with searches on several threads: the first under way, how many more are, and queued pairs not shown', () => {
    let clockMs = 0;
    const io = { ...testIo({ cwd: fixtures }), isTty: true, now: () => (clockMs += 1000) };
    const progress = new CheckProgress(new Map([[0, 1], [1, 1], [2, 1]]), io, true);
    progress.queued(0, 'a on x');
    progress.queued(1, 'b on y');
    progress.queued(2, 'c on z');
    progress.executions(1, 1000);
    progress.executions(0, 2000);
    expect(io.stderrText().split('\r\u001b[K').at(-1)).toBe('0 of 3 pairs done · a on x: 2,000 executions (and 1 more searching)');
    progress.finished(0);
    expect(io.stderrText().split('\r\u001b[K').at(-1)).toMatch(/^1 of 3 pairs done · b on y: 1,000 executions · about \d+ s left$/);
    progress.clear();
    expect(io.stderrText().endsWith('\r\u001b[K')).toBe(true);
  });

  test('the time left weighs the pairs done by their estimated costs: a long pair done leaves little, a short one much', () => {
    const left = (weights: [number, number][]): string | undefined => {
      let clockMs = 0;
      const io = { ...testIo({ cwd: fixtures }), isTty: true, now: () => (clockMs += 1000) };
      const progress = new CheckProgress(new Map(weights), io, true);
      progress.queued(0, 'a on x');
      progress.queued(1, 'b on y');
      progress.finished(0);
      return /about (\d+) s left/.exec(io.stderrText())?.[1];
    };
    // The first pair took a second of the test's clock: the second is a ninth of it, or nine times it.
    expect(left([[0, 9], [1, 1]])).toBe('1');
    expect(left([[0, 1], [1, 9]])).toBe('9');
  });

  test('the line is cut to the terminal\'s width, so that it never wraps onto a row that clearing it would leave behind', async () => {
    let clockMs = 0;
    const io = { ...testIo({ cwd: fixtures }), isTty: true, stderrColumns: 40, now: () => (clockMs += 1000) };
    const progress = new CheckProgress(new Map([[0, 1], [1, 1]]), io, true);
    progress.queued(0, 'percpu-split-counters on rescheduling-reader-vs-unload');
    progress.executions(0, 123456);
    const drawn = io.stderrText().split('\r\u001b[K').filter((line) => line !== '');
    expect(drawn.length).toBeGreaterThan(0);
    for (const line of drawn) expect(line.length, line).toBeLessThan(40);
    expect(drawn.at(-1)).toBe(`${'0 of 2 pairs done · percpu-split-counters on rescheduling-reader-vs-unload'.slice(0, 38)}…`);
    // A whole check on a narrow terminal: every drawing fits.
    const run = { ...testIo({ cwd: fixtures }), isTty: true, stderrColumns: 30, now: () => (clockMs += 1000) };
    expect(await main(['check', ...TWO_PAIRS], run)).toBe(0);
    for (const line of run.stderrText().split('\r\u001b[K')) expect(line.length, line).toBeLessThan(30);
  });

  test('--quiet, or stderr not a terminal: no progress at all', async () => {
    const quiet = await checkOnTerminal(true, ...TWO_PAIRS, '--quiet');
    expect(quiet.code).toBe(0);
    expect(quiet.stderr).toBe('');
    const piped = await checkOnTerminal(false, ...TWO_PAIRS);
    expect(piped.stderr).toBe('');
    expect(piped.stdout).toBe(quiet.stdout);
  });
});
