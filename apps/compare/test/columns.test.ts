import { testIo } from '@kmodsim/cli';
import type { TraceEvent } from '@kmodsim/cpu';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { counterexampleColumns } from '../src/check/columns.js';
import { main } from '../src/cli.js';

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));

function event(step: number, cpu: number, comm: string, detail: string): TraceEvent {
  return { step, cycles: step, durationCycles: 1, cpu, pid: cpu + 1, comm, flags: '....', name: 'atomic_add_return', detail };
}

const long = 'demo_chardev.refcount 1 -> 2 while rmmod waits for the last user to put its reference back';
const trace = [event(1, 0, 'cat', long), event(2, 1, 'rmmod', 'demo_chardev.refcount 2 -> 1')];

describe("a counterexample's column view", () => {
  test('without a line width, every cell is whole, however long', () => {
    const view = counterexampleColumns(trace, 2, 0, Infinity, undefined);
    expect(view).toContain(`cat: atomic_add_return ${long}`);
    expect(view).not.toContain('…');
  });

  test('in a narrow line, the columns share it and a long cell wraps onto more lines, nothing lost', () => {
    const view = counterexampleColumns(trace, 2, 0, Infinity, 60);
    for (const line of view.trimEnd().split('\n')) expect(line.length, line).toBeLessThanOrEqual(60);
    expect(view).not.toContain('…');
    const cpu0 = view.split('\n').slice(2).map((line) => line.split('|')[1]?.trim() ?? '').join(' ');
    expect(cpu0).toContain(`cat: atomic_add_return ${long}`);
  });
});

async function racyCheck(env: Record<string, string>, ...args: string[]): Promise<string> {
  const io = testIo({ cwd: fixtures, env });
  const code = await main(['check', '--strategy', './racy-atomic.mjs', '--scenario', 'unload-vs-get', '--preemptions', '2', '--irqs', '0', ...args], io);
  expect(code).toBe(1);
  return io.stdoutText();
}

describe('check printing a counterexample where stdout is not a terminal (a CI log, a file)', () => {
  test('without COLUMNS, no cell is cut', async () => {
    const stdout = await racyCheck({});
    expect(stdout).toMatch(/^\s+step\s+\| CPU 0/m);
    const rows = stdout.split('\n').filter((line) => /^ {4}\d+\s+\|/.test(line));
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.join('\n')).not.toContain('…');
  });

  test('with COLUMNS set, the view keeps to that width and wraps rather than cuts', async () => {
    const stdout = await racyCheck({ COLUMNS: '60' });
    const view = stdout.split('\n').filter((line) => /^ {4}(\d+| {5})\s*\|/.test(line) || /^ {4}step/.test(line));
    expect(view.length).toBeGreaterThan(0);
    for (const line of view) expect(line.length, line).toBeLessThanOrEqual(60);
    expect(view.join('\n')).not.toContain('…');
  });

  test('JUnit gets every cell whole, whatever COLUMNS says', async () => {
    const stdout = await racyCheck({ COLUMNS: '40' }, '--reporter', 'junit');
    expect(stdout).toMatch(/step\s+\| CPU 0/);
    expect(stdout).not.toContain('…');
  });
});
