import { describe, expect, test } from 'vitest';
import { parseCommandLine, reportOptionError, testClock, testIo, type OptionSpec } from '../src/index.js';

// The words a user sees for a command line a tool cannot read are glibc's, as with kmod's tools;
// what a tool can ask of a line it can read.

const SPECS: readonly OptionSpec[] = [
  { short: 'f', long: 'force', takesArgument: false },
  { short: 'M', long: 'machine', takesArgument: true },
  { long: 'cpus', takesArgument: true },
  { long: 'format', takesArgument: true },
];

describe('an unreadable command line gets glibc\'s words', () => {
  test.each([
    [['--bogus'], "tool: unrecognized option '--bogus'\n"],
    [['-x'], "tool: invalid option -- 'x'\n"],
    [['--f'], "tool: option '--f' is ambiguous\n"],
    [['--force=yes'], "tool: option '--force' doesn't allow an argument\n"],
    [['--cpus'], "tool: option '--cpus' requires an argument\n"],
    [['-M'], "tool: option requires an argument -- 'M'\n"],
  ])('%j', (argv, message) => {
    expect(parseCommandLine('tool', argv, SPECS)).toEqual({ ok: false, message });
  });

  test('the tool adds where to find help, and exits 2', () => {
    const io = testIo();
    expect(reportOptionError(io, 'kmodsim boot', "kmodsim boot: unrecognized option '--bogus'\n")).toBe(2);
    expect(io.stderrText()).toBe("kmodsim boot: unrecognized option '--bogus'\nTry 'kmodsim boot --help' for more information.\n");
  });
});

describe('a readable command line', () => {
  test('options by either name, values attached or not, the last value wins, operands anywhere, -- ends options', () => {
    const parsed = parseCommandLine('tool', ['a', '-fM/x', '--cpus', '-1', 'b', '--machine=/y', '--form', 'chrome', '--', '--cpus'], SPECS);
    if (!parsed.ok) expect.fail(parsed.message);
    const { line } = parsed;
    expect([line.has('f'), line.has('force'), line.value('M'), line.values('machine'), line.value('cpus'), line.value('format')]).toEqual([true, true, '/y', ['/x', '/y'], '-1', 'chrome']);
    expect(line.operands).toEqual(['a', 'b', '--cpus']);
  });
});

test('a test clock moves only when slept on or moved, and a sleep ends at once when interrupted', async () => {
  const clock = testClock(1000);
  expect(await clock.sleepMs(250)).toBe(true);
  clock.advanceMs(5);
  expect(clock.nowMs()).toBe(1255);
  const interrupted = new AbortController();
  interrupted.abort();
  expect(await clock.sleepMs(100, interrupted.signal)).toBe(false);
  expect(clock.nowMs()).toBe(1255);
});
