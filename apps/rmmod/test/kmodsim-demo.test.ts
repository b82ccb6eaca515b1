import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';
import { main } from '../src/cli/kmodsim.js';

const run = promisify(execFile);
const bin = fileURLToPath(new URL('../bin/kmodsim.js', import.meta.url));

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { stdout: { write: (text: string) => out.push(text) }, stderr: { write: (text: string) => err.push(text) }, env: {} }, out, err };
}

describe('kmodsim demo', () => {
  test('prints the ftrace of rmmod --wait sleeping until the last put wakes it, under the seed\'s design', async () => {
    const { stdout, stderr } = await run(process.execPath, [bin, 'demo']);
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
    const { io, out, err } = capture();
    expect(await main(['demo', '--strategy', 'global-spinlock'], io)).toBe(0);
    expect(out.join('')).toMatch(/^# strategy: global-spinlock: /m);
    expect(out.join('')).toMatch(/cat-\d+ \[001\] d\.\.1\s+\d+: sched_wakeup: comm=rmmod pid=\d+ /);
    expect(out.join('')).not.toContain('migration/');
    expect(err.join('')).toMatch(/--strategy global-spinlock\n$/);
  });

  test('the replay string it prints reproduces the same trace, byte for byte', async () => {
    const first = capture();
    expect(await main(['demo', '--schedule', 'kms1:random:11'], first.io)).toBe(0);
    const replay = /--schedule '([^']+)'/.exec(first.err.join(''))?.[1];
    expect(replay).toBeDefined();
    const second = capture();
    expect(await main(['demo', '--schedule', replay ?? ''], second.io)).toBe(0);
    expect(second.out.join('')).toBe(first.out.join(''));
  });

  test('bad input is a usage error naming the problem', async () => {
    for (const [args, message] of [
      [['demo', '--cpus', '0'], "--cpus takes a whole number of CPUs from 1 to 1024, not '0'"],
      [['demo', '--cpus', '1'], 'scenario wait-for-users needs at least 2 CPUs, got 1'],
      [['demo', '--strategy', 'magic'], "unknown strategy 'magic'; known: percpu-stop-machine, percpu-split-counters, global-spinlock, global-atomic, atomic-bias, percpu-ref"],
      [['demo', '--strategy', 'atomic-bias'], 'scenario wait-for-users needs an unload that waits for users (rmmod --wait), and strategy atomic-bias refuses a module in use instead'],
      [['demo', '--schedule', 'kms9:rr'], "schedule string has version 'kms9'"],
      [['demo', '--format', 'xml'], "unknown trace format 'xml'"],
      [['demo', '--bogus'], "Unknown option '--bogus'"],
      [['frobnicate'], "unknown command 'frobnicate'"],
    ] as const) {
      const { io, err } = capture();
      expect(await main(args, io)).toBe(2);
      expect(err.join('')).toContain(message);
    }
  });
});

describe('kmodsim scenario', () => {
  test('lists the module core scenarios', async () => {
    const { io, out } = capture();
    expect(await main(['scenario', 'list'], io)).toBe(0);
    expect(out.join('')).toMatch(/^wait-for-users\s+rmmod --wait demo_chardev/m);
  });

  test('runs a scenario and prints its trace; the forced unload ends in the expected oops', async () => {
    const wait = capture();
    expect(await main(['scenario', 'run', 'wait-for-users'], wait.io)).toBe(0);
    expect(wait.out.join('')).toMatch(/^# strategy: percpu-stop-machine: /m);
    expect(wait.out.join('')).toMatch(/cat-\d+ \[001\] \.\.\.1\s+\d+: sched_wakeup: comm=rmmod pid=\d+/);
    expect(wait.err.join('')).toMatch(/replay: kmodsim scenario run wait-for-users --strategy percpu-stop-machine --cpus 2 --schedule/);
    const spinlock = capture();
    expect(await main(['scenario', 'run', 'wait-for-users', '--strategy', 'global-spinlock'], spinlock.io)).toBe(0);
    expect(spinlock.out.join('')).toMatch(/cat-\d+ \[001\] d\.\.1\s+\d+: sched_wakeup: comm=rmmod pid=\d+/);
    const forced = capture();
    expect(await main(['scenario', 'run', 'forced-unload'], forced.io)).toBe(0);
    expect(forced.err.join('')).toMatch(/ended as expected in call-into-freed-code on CPU 1 \(cat-\d+\)/);
  });

  test('unknown scenarios and strategies are usage errors that list the known ones', async () => {
    const bad = capture();
    expect(await main(['scenario', 'run', 'nope'], bad.io)).toBe(2);
    expect(bad.err.join('')).toContain("unknown scenario 'nope'; known: unload-vs-get, misc-open-vs-unload,");
    const badStrategy = capture();
    expect(await main(['scenario', 'run', 'wait-for-users', '--strategy', 'magic'], badStrategy.io)).toBe(2);
    expect(badStrategy.err.join('')).toMatch(/unknown strategy 'magic'; known: .*global-spinlock/);
  });
});
