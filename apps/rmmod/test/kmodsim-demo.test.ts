import { describe, expect, test } from 'vitest';
import { testIo } from '@kmodsim/cli';
import { main } from '../src/cli/kmodsim.js';

describe('kmodsim demo', () => {
  test('prints the ftrace of rmmod --wait sleeping until the last put wakes it, under the seed\'s design', async () => {
    const io = testIo();
    expect(await main(['demo'], io)).toBe(0);
    const [stdout, stderr] = [io.stdoutText(), io.stderrText()];
    expect(stdout).toContain('# tracer: nop');
    expect(stdout).toMatch(/^# strategy: percpu-stop-machine: /m);
    const asleep = /rmmod-(\d+) \[000\] \.\.\.\.\s+(\d+): sched_switch: prev_comm=rmmod prev_pid=\1 prev_state=D/.exec(stdout);
    expect(asleep).not.toBeNull();
    const pid = asleep?.[1] ?? '';
    // The user's module_put wakes it, from inside its preempt-off section (get_cpu/put_cpu).
    const woken = new RegExp(`cat-\\d+ \\[001\\] \\.\\.\\.1\\s+(\\d+): sched_wakeup: comm=rmmod pid=${pid} `).exec(stdout);
    expect(woken).not.toBeNull();
    expect(Number(woken?.[1])).toBeGreaterThan(Number(asleep?.[2]));
    expect(stdout).toMatch(new RegExp(`rmmod-${pid} .*: sched_process_exit: comm=rmmod pid=${pid}\\n`));
    expect(stderr).toMatch(/replay: kmodsim demo --cpus 2 --schedule 'kms1:list:[^']+' --strategy percpu-stop-machine\n/);
  });

  test('--strategy runs the same demo on another design', async () => {
    const io = testIo();
    expect(await main(['demo', '--strategy', 'global-spinlock'], io)).toBe(0);
    expect(io.stdoutText()).toMatch(/^# strategy: global-spinlock: /m);
    expect(io.stdoutText()).toMatch(/cat-\d+ \[001\] d\.\.1\s+\d+: sched_wakeup: comm=rmmod pid=\d+ /);
    expect(io.stdoutText()).not.toContain('migration/');
    expect(io.stderrText()).toMatch(/--strategy global-spinlock\n$/);
  });

  test('the replay string it prints reproduces the same trace, byte for byte', async () => {
    const first = testIo();
    expect(await main(['demo', '--schedule', 'kms1:random:11'], first)).toBe(0);
    const replay = /--schedule '([^']+)'/.exec(first.stderrText())?.[1];
    expect(replay).toBeDefined();
    const second = testIo();
    expect(await main(['demo', '--schedule', replay ?? ''], second)).toBe(0);
    expect(second.stdoutText()).toBe(first.stdoutText());
  });

  test('bad input is a usage error naming the problem', async () => {
    for (const [args, message] of [
      [['demo', '--cpus', '0'], "--cpus takes a whole number of CPUs from 1 to 1024, not '0'"],
      [['demo', '--cpus', '1'], 'scenario wait-for-users needs at least 2 CPUs, got 1'],
      [['demo', '--strategy', 'magic'], "unknown strategy 'magic'; known: percpu-stop-machine, percpu-split-counters, global-spinlock, global-atomic, atomic-bias, percpu-ref"],
      [['demo', '--strategy', 'atomic-bias'], 'scenario wait-for-users needs an unload that waits for users (rmmod --wait), and strategy atomic-bias refuses a module in use instead'],
      [['demo', '--schedule', 'kms9:rr'], "schedule string has version 'kms9'"],
      [['demo', '--format', 'xml'], "unknown trace format 'xml'"],
      [['frobnicate'], "kmodsim: ERROR: unknown command 'frobnicate'; see 'kmodsim --help'\n"],
    ] as const) {
      const io = testIo();
      expect(await main(args, io)).toBe(2);
      expect(io.stderrText()).toContain(message);
    }
  });
});

describe('an option kmodsim does not know', () => {
  test.each([
    [['boot', '--bogus'], "kmodsim boot: unrecognized option '--bogus'\nTry 'kmodsim boot --help' for more information.\n"],
    [['demo', '--bogus'], "kmodsim demo: unrecognized option '--bogus'\nTry 'kmodsim demo --help' for more information.\n"],
    [['scenario', 'run', 'wait-for-users', '-x'], "kmodsim scenario run: invalid option -- 'x'\nTry 'kmodsim scenario run --help' for more information.\n"],
    [['hold', 'demo_chardev', '--for'], "kmodsim hold: option '--for' requires an argument\nTry 'kmodsim hold --help' for more information.\n"],
    [['--bogus'], "kmodsim: unrecognized option '--bogus'\nTry 'kmodsim --help' for more information.\n"],
  ])('kmodsim %j: getopt\'s one line and where to find help, exit 2, nothing else', async (args, message) => {
    const io = testIo({ env: { KMODSIM_MACHINE: '/nonexistent/kmodsim-machine' } });
    expect(await main(args, io)).toBe(2);
    expect([io.stderrText(), io.stdoutText()]).toEqual([message, '']);
  });
});

describe('kmodsim scenario', () => {
  test('lists the module core scenarios', async () => {
    const io = testIo();
    expect(await main(['scenario', 'list'], io)).toBe(0);
    expect(io.stdoutText()).toMatch(/^wait-for-users\s+rmmod --wait demo_chardev/m);
  });

  test('runs a scenario and prints its trace; the forced unload ends in the expected oops', async () => {
    const wait = testIo();
    expect(await main(['scenario', 'run', 'wait-for-users'], wait)).toBe(0);
    expect(wait.stdoutText()).toMatch(/^# strategy: percpu-stop-machine: /m);
    expect(wait.stdoutText()).toMatch(/cat-\d+ \[001\] \.\.\.1\s+\d+: sched_wakeup: comm=rmmod pid=\d+/);
    expect(wait.stderrText()).toMatch(/replay: kmodsim scenario run wait-for-users --strategy percpu-stop-machine --cpus 2 --schedule/);
    const spinlock = testIo();
    expect(await main(['scenario', 'run', 'wait-for-users', '--strategy', 'global-spinlock'], spinlock)).toBe(0);
    expect(spinlock.stdoutText()).toMatch(/cat-\d+ \[001\] d\.\.1\s+\d+: sched_wakeup: comm=rmmod pid=\d+/);
    const forced = testIo();
    expect(await main(['scenario', 'run', 'forced-unload'], forced)).toBe(0);
    expect(forced.stderrText()).toMatch(/ended as expected in call-into-freed-code on CPU 1 \(cat-\d+\)/);
  });

  test('unknown scenarios and strategies are usage errors that list the known ones', async () => {
    const bad = testIo();
    expect(await main(['scenario', 'run', 'nope'], bad)).toBe(2);
    expect(bad.stderrText()).toContain("unknown scenario 'nope'; known: unload-vs-get, misc-open-vs-unload,");
    const badStrategy = testIo();
    expect(await main(['scenario', 'run', 'wait-for-users', '--strategy', 'magic'], badStrategy)).toBe(2);
    expect(badStrategy.stderrText()).toMatch(/unknown strategy 'magic'; known: .*global-spinlock/);
  });
});
