import { describe, expect, it } from 'vitest';
import { parseOptions } from '../src/options.js';
import { runMutate } from './run-cli.js';

// kmodsim-mutate reads its command line with @kmodsim/cli's getopt, as every kmodsim tool does:
// glibc's words for an option it cannot read, one line for a value that makes no sense, exit 2;
// never Node's parseArgs text followed by the whole usage.

describe('a command line kmodsim-mutate can read', () => {
  it('gives the options, with their defaults', () => {
    expect(parseOptions([])).toEqual({ kind: 'run', options: { workers: 2, strategies: [], only: [], json: false, list: false, quiet: false, recheckEquivalents: false } });
  });

  it('takes values attached or not, repeatable options, and unambiguous prefixes', () => {
    expect(parseOptions(['--workers=3', '--strategy', 'atomic-bias', '--strategy=global-atomic', '--mutant', 'a:1:1:swap', '--seconds', '0.5', '--limit', '4', '--baseline', 'b.json', '--results', 'r.jsonl', '--recheck', '--list', '--json', '--quiet'])).toEqual({
      kind: 'run',
      options: { workers: 3, strategies: ['atomic-bias', 'global-atomic'], only: ['a:1:1:swap'], seconds: 0.5, limit: 4, baselineFile: 'b.json', resultsFile: 'r.jsonl', recheckEquivalents: true, list: true, json: true, quiet: true },
    });
  });

  it('-h or --help asks for the usage, whatever else is there', () => {
    expect(parseOptions(['--bogus', '-h'])).toEqual({ kind: 'help' });
    expect(parseOptions(['--help'])).toEqual({ kind: 'help' });
  });
});

describe('an option getopt cannot read gets glibc\'s line', () => {
  it.each([
    [['--bogus'], "kmodsim-mutate: unrecognized option '--bogus'\n"],
    [['-x'], "kmodsim-mutate: invalid option -- 'x'\n"],
    [['--seconds'], "kmodsim-mutate: option '--seconds' requires an argument\n"],
    [['--list=yes'], "kmodsim-mutate: option '--list' doesn't allow an argument\n"],
    [['--li'], "kmodsim-mutate: option '--li' is ambiguous\n"],
  ])('%j', (argv, message) => {
    expect(parseOptions(argv)).toEqual({ kind: 'option-error', message });
  });
});

describe('a value that makes no sense is named in one line', () => {
  it.each([
    [['--seconds', '-1'], "--seconds takes a positive number, not '-1'"],
    [['--seconds=0'], "--seconds takes a positive number, not '0'"],
    [['--seconds', ''], "--seconds takes a positive number, not ''"],
    [['--workers', '0.5'], "--workers takes a positive whole number, not '0.5'"],
    [['--limit', 'ten'], "--limit takes a positive whole number, not 'ten'"],
    [['--limit', 'Infinity'], "--limit takes a positive whole number, not 'Infinity'"],
    [['--baseline='], '--baseline takes a file name, not an empty one'],
    [['--results='], '--results takes a file name, not an empty one'],
    [['global-spinlock'], "unexpected argument 'global-spinlock' (mutants are chosen with --strategy and --mutant)"],
  ])('%j', (argv, problem) => {
    expect(parseOptions(argv)).toEqual({ kind: 'usage-error', problem });
  });
});

describe('kmodsim-mutate (built) with a command line it cannot read', () => {
  it('--bogus: getopt\'s line and where to find help, exit 2', async () => {
    expect(await runMutate(['--bogus'])).toEqual({ status: 2, stdout: '', stderr: "kmodsim-mutate: unrecognized option '--bogus'\nTry 'kmodsim-mutate --help' for more information.\n" });
  });

  it('--seconds -1: the value named in one line, exit 2', async () => {
    expect(await runMutate(['--seconds', '-1'])).toEqual({ status: 2, stdout: '', stderr: "kmodsim-mutate: ERROR: --seconds takes a positive number, not '-1'\n" });
  });
});
