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

  test('a cell that fills its column keeps a space before the rule: nothing touches the border', () => {
    const events = [event(1, 0, 'rmmod', 'x'.repeat(20)), event(2, 1, 'cat', 'y')];
    const view = counterexampleColumns(events, 2, 0, Infinity, undefined);
    for (const line of view.trimEnd().split('\n').filter((row) => row.includes('|'))) {
      expect(line, line).not.toMatch(/[^ ]\|/);
      expect(line, line).not.toMatch(/\|[^ ]/);
    }
    expect(view).toContain(`rmmod: atomic_add_return ${'x'.repeat(20)} |`);
  });

  test('at 60 columns a cell wraps at spaces: a name such as demo_chardev.live is never split', () => {
    const names = 'cat: load demo_chardev.live -> 1 (sameSocket) then store demo_chardev.refcount[1] = 1 (hit) and chrdevs_lock[1] -> 2';
    const events = [event(1, 1, 'cat', names), event(2, 0, 'rmmod', 'rmmod-7 sleeps in TASK_UNINTERRUPTIBLE and nothing left can wake it (a lost wakeup?)')];
    const view = counterexampleColumns(events, 2, 0, Infinity, 60);
    const lines = view.trimEnd().split('\n');
    for (const line of lines) expect(line.length, line).toBeLessThanOrEqual(60);
    const cells = lines.slice(2).flatMap((line) => line.split('|').slice(1).map((cell) => cell.trim()));
    for (const name of ['demo_chardev.live', 'demo_chardev.refcount[1]', 'chrdevs_lock[1]', 'TASK_UNINTERRUPTIBLE', '(a lost wakeup?)']) {
      expect(cells.some((cell) => cell.includes(name)), `${name} whole in:\n${view}`).toBe(true);
    }
  });

  test('a word longer than a whole cell is cut after a dot or before a bracket, so its parts still read as names', () => {
    const events = [event(1, 0, 'cat', 'a_very_long_module_name.some_field_of_it[cpu 1]'), event(2, 1, 'rmmod', 'y')];
    const view = counterexampleColumns(events, 2, 0, Infinity, 75);
    const cells = view.trimEnd().split('\n').slice(2).map((line) => line.split('|')[1]?.trim() ?? '');
    expect(cells).toContain('a_very_long_module_name.');
    expect(cells).toContain('some_field_of_it[cpu 1]');
  });
});

describe('check printing a counterexample at 60 columns', () => {
  test('the view keeps to 60 columns and splits no name of memory', async () => {
    const stdout = await racyCheck({ COLUMNS: '60' });
    const view = stdout.split('\n').filter((line) => /^ {4}(\d+| {5})\s*\|/.test(line));
    const cells = view.flatMap((line) => line.split('|').slice(1).map((cell) => cell.trim())).filter((cell) => cell !== '');
    // A name is cut only when it is longer than a whole cell, and then after a dot: such a piece is a line of its own.
    expect(cells.filter((cell) => /\.$/.test(cell) && cell.includes(' '))).toEqual([]);
    expect(cells.some((cell) => cell.includes('demo_chardev.live'))).toBe(true);
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
