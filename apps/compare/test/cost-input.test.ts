import { describe, expect, test } from 'vitest';
import type { CostReport } from '../src/cost/cost-report.js';
import { cost } from './cost-run.js';

describe('kmodsim-compare cost: what it refuses, and a strategy that faults', () => {
  test.each([
    [['--strategy', 'no-such-design'], /^kmodsim-compare: unknown strategy 'no-such-design'; known: percpu-stop-machine, .*\(or a path to a \.js\/\.mjs file\)\n$/],
    [['--strategy', './no-such-file.mjs'], /^kmodsim-compare: strategy file \.\/no-such-file\.mjs did not load: .*no-such-file\.mjs.*\n$/],
    [['--cpus', '0'], /^kmodsim-compare: --cpus takes whole numbers from 1 to 1024, separated by commas, got '0'\n$/],
    [['--cpus', '2000'], /^kmodsim-compare: --cpus takes whole numbers from 1 to 1024, separated by commas, got '2000'\n$/],
    [['--cpus', 'abc'], /^kmodsim-compare: --cpus takes whole numbers from 1 to 1024, separated by commas, got 'abc'\n$/],
    [['--cpus', '1,,4'], /^kmodsim-compare: --cpus takes whole numbers from 1 to 1024, separated by commas, got '1,,4'\n$/],
    [['--profile', 'cray-1'], /^kmodsim-compare: unknown profile 'cray-1'; known: generic, xeon-8176-perfbook\n$/],
    [['1024'], /^kmodsim-compare: unexpected argument '1024'\n$/],
    [['--cpu', '4', '--bogus'], /^kmodsim-compare cost: unrecognized option '--bogus'\nTry 'kmodsim-compare cost --help' for more information\.\n$/],
  ])('%j: one line saying what is wrong, nothing priced, exit 2', async (args, message) => {
    const result = await cost(...args);
    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(result.stderr).toMatch(message);
  });

  test('--help shows the options and the defaults, exit 0', async () => {
    const result = await cost('--help');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: kmodsim-compare cost \[OPTIONS\]/);
    expect(result.stdout).toContain('--cpus LIST            machine sizes, comma-separated, 1-1024 (default: 1,2,4,8,16,32,64,128,256,512,1024)');
    expect(result.stdout).toContain('(default: xeon-8176-perfbook');
  });

  test("a user's strategy whose code throws gets an ERROR with the reason; the others get their figures; exit 1", async () => {
    const args = ['--cpus', '1,2', '--strategy', 'percpu-stop-machine', '--strategy', './throws-in-tryget.mjs', '--strategy', 'global-atomic'];
    const json = await cost(...args, '--json');
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout) as CostReport;
    expect(report.strategies.map((strategy) => [strategy.strategy, strategy.ok])).toEqual([['percpu-stop-machine', true], ['throws-in-tryget', false], ['global-atomic', true]]);
    const failed = report.strategies[1];
    expect(failed?.ok === false ? failed.error : '').toMatch(/^throws-in-tryget at 1 CPU, .*: exception: .*tryGet is not written yet/);
    const table = await cost(...args);
    expect(table.code).toBe(1);
    expect(table.stdout).toMatch(/^throws-in-tryget\s+ERROR: throws-in-tryget at 1 CPU, .*tryGet is not written yet$/m);
    expect(table.stdout).toMatch(/^global-atomic\s+\d/m);
  });
});
