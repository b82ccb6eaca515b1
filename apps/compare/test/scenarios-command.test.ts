import { testIo } from '@kmodsim/cli';
import { describe, expect, test } from 'vitest';
import { main } from '../src/cli.js';

describe('kmodsim-compare scenarios', () => {
  test('lists every scenario of the catalogue with its kind, bounds and what it catches', async () => {
    const run = testIo();
    expect(await main(['scenarios'], run)).toBe(0);
    const text = run.stdoutText();
    expect(text).toMatch(/^SCENARIO\s+KIND\s+CPUS\s+BOUNDS\s+CATCHES$/m);
    expect(text).toMatch(/^module-get-during-wait\s+checked\s+2\s+p2 i0\s+a count summed while references move between CPUs/m);
    expect(text).toMatch(/^wait-for-users\s+demonstration\s+2\s+-\s+/m);
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
    expect(run.stderrText()).toBe("kmodsim-compare: ERROR: unexpected argument 'all'\n");
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
    expect(run.stderrText()).toBe("kmodsim-compare: ERROR: --seed must be a whole number from 0 to 4294967295, got '-1'\n");
  });
});
