import { testIo } from '@kmodsim/cli';
import { describe, expect, test } from 'vitest';
import { catalogue } from '@kmodsim/scenarios';
import { main } from '../src/cli.js';

describe('kmodsim-compare scenarios', () => {
  test('lists every scenario of the catalogue, a line each: its kind, bounds, what it exercises and what it catches', async () => {
    const run = testIo();
    expect(await main(['scenarios'], run)).toBe(0);
    const text = run.stdoutText();
    expect(text).toMatch(/^SCENARIO\s+KIND\s+CPUS\s+BOUNDS\s+EXERCISES\s+CATCHES$/m);
    expect(text).toMatch(/^unload-vs-get\s+checked\s+2\s+p2 i0\s+rmmod \(O_NONBLOCK\) on CPU 0 against try_module_get -> call into the module -> module_put on CPU 1\s+an unload decided on a count that a get can still change/m);
    expect(text).toMatch(/^module-get-during-wait\s+checked\s+2\s+p2 i0\s+\S.*\s{2}a count summed while references move between CPUs/m);
    expect(text).toMatch(/^wait-for-users\s+demonstration\s+2\s+-\s+rmmod --wait demo_chardev while a user holds it open/m);
    expect(text.trimEnd().split('\n')).toHaveLength(catalogue.length + 1);
    // The CATCHES column starts at the same place on every line.
    const starts = new Set(text.trimEnd().split('\n').map((line, index) => (index === 0 ? line.indexOf('CATCHES') : line.indexOf(catalogue[index - 1]?.catches ?? '\u0000'))));
    expect(starts.size).toBe(1);
  });

  test.each([[140], [100], [80], [60]])('with COLUMNS=%i, every line keeps to that width, nothing is cut, and a name is never split', async (width) => {
    const run = testIo({ env: { COLUMNS: String(width) } });
    expect(await main(['scenarios'], run)).toBe(0);
    const lines = run.stdoutText().trimEnd().split('\n');
    for (const line of lines) expect(line.length, line).toBeLessThanOrEqual(width);
    const words = lines.join(' ').split(/\s+/);
    for (const entry of catalogue) {
      for (const word of `${entry.description} ${entry.catches}`.split(' ')) expect(words, `${entry.name}: ${word}`).toContain(word);
    }
  });

  test('--json gives the contract cells each scenario exercises', async () => {
    const run = testIo();
    expect(await main(['scenarios', '--json'], run)).toBe(0);
    const entries = run.stdoutText().trim().split('\n').map((line) => JSON.parse(line) as { name: string; exercises: { method: string; phase: string; context: string }[] });
    expect(entries.find((entry) => entry.name === 'module-get-during-wait')?.exercises).toContainEqual({ method: 'get', phase: 'wait', context: 'preempt-off' });
  });

  test('an unexpected argument is a usage error', async () => {
    const run = testIo();
    expect(await main(['scenarios', 'all'], run)).toBe(2);
    expect(run.stderrText()).toBe("kmodsim-compare: unexpected argument 'all'\n");
  });
});

describe('an option kmodsim-compare does not know', () => {
  test.each([
    [['check', '--bogus'], "kmodsim-compare check: unrecognized option '--bogus'\nTry 'kmodsim-compare check --help' for more information.\n"],
    [['check', '--seed'], "kmodsim-compare check: option '--seed' requires an argument\nTry 'kmodsim-compare check --help' for more information.\n"],
    [['scenarios', '--bogus'], "kmodsim-compare scenarios: unrecognized option '--bogus'\nTry 'kmodsim-compare scenarios --help' for more information.\n"],
    [['--bogus'], "kmodsim-compare: unrecognized option '--bogus'\nTry 'kmodsim-compare --help' for more information.\n"],
  ])('%j: getopt\'s one line and where to find help, exit 2', async (argv, message) => {
    const run = testIo();
    expect(await main(argv, run)).toBe(2);
    expect([run.stderrText(), run.stdoutText()]).toEqual([message, '']);
  });

  test('a value that starts with a dash is the option\'s, as getopt_long reads it: the range check names it', async () => {
    const run = testIo();
    expect(await main(['check', '--seed', '-1'], run)).toBe(2);
    expect(run.stderrText()).toBe("kmodsim-compare: --seed must be a whole number from 0 to 4294967295, got '-1'\n");
  });
});
