import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { eventually, eventuallyWithin, fixtures, newMachineDir, processes, tool, type ToolName } from './machine-harness.js';

// The real rmmod, insmod, modprobe, lsmod and kmodsim, one command after another as a user types
// them, acting on one persistent simulated machine: in-process, with a test clock, so a second of
// simulated waiting takes no second. Two tests run them as processes, as a user does: two boots
// racing for one directory, and Ctrl-C reaching rmmod --wait.

async function bootedWithChardev(bootArgs: readonly string[] = []) {
  const dir = newMachineDir();
  const t = tool(dir);
  expect((await t.run('kmodsim', ['boot', '--cpus', '2', ...bootArgs])).status).toBe(0);
  expect(await t.run('modprobe', ['demo_chardev'])).toMatchObject({ status: 0, stderr: '' });
  return { dir, t };
}

describe('lsmod and /proc/modules', () => {
  test('lsmod prints kmod\'s header and rows byte for byte (checked against printf(1) with kmod\'s format)', async () => {
    const { t } = await bootedWithChardev();
    const lsmod = await t.run('lsmod', []);
    const printf = (name: string, size: string, count: string): string => execFileSync('printf', ['%-19s %8ld  %d', name, size, count], { encoding: 'utf8' });
    expect(lsmod.stdout).toBe(
      'Module                  Size  Used by\n' +
      `${printf('demo_chardev', '12288', '0')}\n` +
      `${printf('demo_lib', '16384', '1')} demo_chardev\n`,
    );
    const proc = await t.run('kmodsim', ['cat', '/proc/modules']);
    expect(proc.stdout).toMatch(/^demo_chardev 12288 0 - Live 0xffffffffc0[0-9a-f]{6}\ndemo_lib 16384 1 demo_chardev, Live 0xffffffffc0[0-9a-f]{6}\n$/);
    expect(JSON.parse((await t.run('lsmod', ['--json'])).stdout)).toEqual([
      { name: 'demo_chardev', sizeBytes: 12288, refcount: 0, holders: [], state: 'Live' },
      { name: 'demo_lib', sizeBytes: 16384, refcount: 1, holders: ['demo_chardev'], state: 'Live' },
    ]);
  });
});

describe('rmmod refusals', () => {
  test('a module other modules use: kmod\'s "in use by", exit 1, still loaded', async () => {
    const { t } = await bootedWithChardev();
    expect(await t.run('rmmod', ['demo_lib'])).toEqual({ status: 1, stdout: '', stderr: 'rmmod: ERROR: Module demo_lib is in use by: demo_chardev\n' });
    expect((await t.run('lsmod', [])).stdout).toContain('demo_lib ');
    expect(await t.run('rmmod', ['demo_fs'])).toMatchObject({ status: 1, stderr: 'rmmod: ERROR: Module demo_fs is not currently loaded\n' });
  });

  test('a module a user holds open: "is in use", exit 1; free of users it goes', async () => {
    const { t } = await bootedWithChardev();
    const hold = await t.run('kmodsim', ['hold', 'demo_chardev']);
    expect(hold.stdout).toMatch(/^\d+\n$/);
    expect(await t.run('rmmod', ['demo_chardev'])).toMatchObject({ status: 1, stderr: 'rmmod: ERROR: Module demo_chardev is in use\n' });
    expect((await t.run('kmodsim', ['release', hold.stdout.trim()])).status).toBe(0);
    expect(await t.run('rmmod', ['demo_chardev', 'demo_lib'])).toEqual({ status: 0, stdout: '', stderr: '' });
    expect((await t.run('lsmod', [])).stdout).toBe('Module                  Size  Used by\n');
  });
});

describe('rmmod --wait', () => {
  test('blocks while a user holds the module (Unloading, new holds fail) and completes when another process releases it', async () => {
    const { t } = await bootedWithChardev();
    const pid = (await t.run('kmodsim', ['hold', 'demo_chardev'])).stdout.trim();
    const waiting = t.start('rmmod', ['--wait', 'demo_chardev']);
    expect(await eventually(async () => (await t.run('kmodsim', ['ps'])).stdout.includes('rmmod --wait demo_chardev'))).toBe(true);
    expect((await t.run('kmodsim', ['ps'])).stdout).toMatch(/^\s+\d+ D\s+\d+ rmmod\s+rmmod --wait demo_chardev: sleeps until its users are gone$/m);
    expect((await t.run('kmodsim', ['cat', '/proc/modules'])).stdout).toMatch(/^demo_chardev 12288 1 - Unloading /m);
    expect(await t.run('kmodsim', ['hold', 'demo_chardev'])).toMatchObject({ status: 1, stderr: expect.stringContaining('could not hold demo_chardev: No such device') as string });
    // A second rmmod finds it loaded but in use; a second --wait reaches the kernel, which is busy with the first.
    expect(await t.run('rmmod', ['demo_chardev'])).toMatchObject({ status: 1, stderr: 'rmmod: ERROR: Module demo_chardev is in use\n' });
    expect(await t.run('rmmod', ['--wait', 'demo_chardev'])).toMatchObject({ status: 1, stderr: 'rmmod: ERROR: could not remove module demo_chardev: Device or resource busy\n' });
    let finished = false;
    void waiting.done.then(() => (finished = true));
    // A second of polling, in simulated time: still asleep while the user holds on.
    const startMs = t.clock.nowMs();
    expect(await eventually(async () => Promise.resolve(t.clock.nowMs() - startMs >= 1000), 1000)).toBe(true);
    expect(finished).toBe(false);
    expect((await t.run('kmodsim', ['release', pid])).status).toBe(0);
    expect(await waiting.done).toEqual({ status: 0, stdout: '', stderr: '' });
    expect((await t.run('lsmod', [])).stdout).not.toContain('demo_chardev');
  });

  test('a reboot under a waiting rmmod ends it with one line naming the reboot, exit 1', async () => {
    const { t, dir } = await bootedWithChardev();
    expect((await t.run('kmodsim', ['hold', 'demo_chardev', '--for', '1h'])).status).toBe(0);
    const waiting = t.start('rmmod', ['--wait', 'demo_chardev']);
    expect(await eventually(async () => (await t.run('kmodsim', ['ps'])).stdout.includes('rmmod --wait demo_chardev'))).toBe(true);
    expect((await t.run('kmodsim', ['boot', '--reboot'])).status).toBe(0);
    expect(await waiting.done).toEqual({ status: 1, stdout: '', stderr: `rmmod: ERROR: the machine at ${dir} was rebooted while waiting to remove demo_chardev\n` });
  });

  test('a holder\'s --for ends on its own, and the waiting rmmod with it', async () => {
    const { t } = await bootedWithChardev();
    const startMs = t.clock.nowMs();
    expect((await t.run('kmodsim', ['hold', 'demo_chardev', '--for', '1s'])).status).toBe(0);
    expect(await t.run('rmmod', ['-w', 'demo_chardev'])).toMatchObject({ status: 0, stderr: '' });
    // rmmod -w waited, in the machine's time, until the holder's second was up.
    expect(t.clock.nowMs() - startMs).toBeGreaterThanOrEqual(1000);
    expect((await t.run('kmodsim', ['dmesg'])).stdout).toMatch(/\] demo_chardev: module unloaded\n$/);
  });

  test('Ctrl-C leaves the simulated rmmod asleep in D state and says so (rmmod as a process, sent SIGINT)', async () => {
    const { t, dir } = await bootedWithChardev();
    const pid = (await t.run('kmodsim', ['hold', 'demo_chardev'])).stdout.trim();
    const waiting = processes(dir).start('rmmod', ['-w', 'demo_chardev']);
    expect(await eventuallyWithin(async () => (await t.run('kmodsim', ['ps'])).stdout.includes('rmmod --wait'))).toBe(true);
    waiting.child.kill('SIGINT');
    const ended = await waiting.done;
    expect(ended.status).toBe(130);
    expect(ended.stderr).toMatch(/the simulated rmmod \(pid \d+\) stays asleep in the kernel in uninterruptible sleep \(D\)/);
    expect((await t.run('kmodsim', ['ps'])).stdout).toMatch(/ D .* rmmod /);
    await t.run('kmodsim', ['release', pid]);
    expect((await t.run('kmodsim', ['ps'])).stdout).not.toContain('rmmod');
    expect((await t.run('lsmod', [])).stdout).not.toContain('demo_chardev');
  });
});

describe('the refcount design', () => {
  test('boot runs the seed\'s design unless --strategy names another; the tools work the same on global-spinlock', async () => {
    const dir = newMachineDir();
    const t = tool(dir);
    expect((await t.run('kmodsim', ['boot', '--cpus', '2'])).stdout).toContain('refcount strategy percpu-stop-machine,');
    expect((await t.run('kmodsim', ['ps'])).stdout).toMatch(/^\s+1 S\s+0 migration\/0\n\s+2 S\s+1 migration\/1\n$/m);
    const { t: spin } = await bootedWithChardev(['--strategy', 'global-spinlock']);
    // Held until released, not for a while: a loaded machine must not let the hold end before rmmod looks.
    const pid = (await spin.run('kmodsim', ['hold', 'demo_chardev'])).stdout.trim();
    expect(await spin.run('rmmod', ['demo_chardev'])).toMatchObject({ status: 1, stderr: 'rmmod: ERROR: Module demo_chardev is in use\n' });
    const waiting = spin.start('rmmod', ['-w', 'demo_chardev']);
    expect(await eventually(async () => (await spin.run('kmodsim', ['ps'])).stdout.includes('rmmod --wait demo_chardev'))).toBe(true);
    expect((await spin.run('kmodsim', ['release', pid])).status).toBe(0);
    expect(await waiting.done).toEqual({ status: 0, stdout: '', stderr: '' });
    expect((await spin.run('kmodsim', ['ps'])).stdout).toBe('  PID STAT CPU COMMAND          WHAT\n');
    expect((await spin.run('lsmod', [])).stdout).toMatch(/^Module {18}Size {2}Used by\ndemo_lib +16384 {2}0\n$/);
    expect(await spin.run('kmodsim', ['boot', '--strategy', 'magic', '--reboot'])).toMatchObject({ status: 2, stderr: expect.stringContaining("unknown refcount strategy 'magic'; known: percpu-stop-machine, percpu-split-counters, global-spinlock") as string });
  });
});

describe('rmmod -f', () => {
  test('refused with EWOULDBLOCK on a kernel without forced unload', async () => {
    const { t } = await bootedWithChardev();
    await t.run('kmodsim', ['hold', 'demo_chardev']);
    expect(await t.run('rmmod', ['-f', 'demo_chardev'])).toMatchObject({ status: 1, stderr: 'rmmod: ERROR: could not remove module demo_chardev: Resource temporarily unavailable\n' });
    expect((await t.run('kmodsim', ['cat', '/proc/sys/kernel/tainted'])).stdout).toBe('0\n');
  });

  test('with forced unload: the module goes, the kernel is tainted R, and the holder\'s next call oopses', async () => {
    const { t } = await bootedWithChardev(['--force-unload']);
    const pid = (await t.run('kmodsim', ['hold', 'demo_chardev'])).stdout.trim();
    expect(await t.run('rmmod', ['-f', 'demo_chardev'])).toEqual({ status: 0, stdout: '', stderr: '' });
    expect((await t.run('lsmod', [])).stdout).not.toContain('demo_chardev');
    expect((await t.run('kmodsim', ['cat', '/proc/sys/kernel/tainted'])).stdout).toBe('8\n');
    await t.run('kmodsim', ['release', pid]);
    const dmesg = (await t.run('kmodsim', ['dmesg'])).stdout;
    expect(dmesg).toContain('demo_chardev: forced unload: tainting kernel (R)');
    expect(dmesg).toMatch(/BUG: call-into-freed-code: call to demo_chardev:release/);
    expect(dmesg).toMatch(new RegExp(`CPU: \\d+ PID: ${pid} Comm: hold Tainted: G  R {15}$`, 'm'));
  });

  test('an oops taints the kernel D (TAINT_DIE, 128): /proc/sys/kernel/tainted and the next oops show it', async () => {
    const { t } = await bootedWithChardev(['--force-unload']);
    const oopsAfterForcedUnload = async (): Promise<string> => {
      const pid = (await t.run('kmodsim', ['hold', 'demo_chardev'])).stdout.trim();
      expect((await t.run('rmmod', ['-f', 'demo_chardev'])).status).toBe(0);
      expect((await t.run('kmodsim', ['release', pid])).status).toBe(0);
      return pid;
    };
    const first = await oopsAfterForcedUnload();
    expect((await t.run('kmodsim', ['cat', '/proc/sys/kernel/tainted'])).stdout).toBe('136\n');
    expect((await t.run('modprobe', ['demo_chardev'])).status).toBe(0);
    const second = await oopsAfterForcedUnload();
    const dmesg = (await t.run('kmodsim', ['dmesg'])).stdout;
    // The oops that sets D is reported before it sets it, as the kernel's oops_end adds the taint last.
    expect(dmesg).toMatch(new RegExp(`PID: ${first} Comm: hold Tainted: G  R {15}$`, 'm'));
    expect(dmesg).toMatch(new RegExp(`PID: ${second} Comm: hold Tainted: G  R   D {11}$`, 'm'));
    expect((await t.run('kmodsim', ['cat', '/proc/sys/kernel/tainted'])).stdout).toBe('136\n');
  });
});

describe('insmod', () => {
  test('a module with an unknown symbol: kmod\'s words, exit 1, the kernel\'s line in dmesg', async () => {
    const { t } = await bootedWithChardev();
    const file = join(fixtures, 'unknown_symbol.ko');
    expect(await t.run('insmod', [file])).toEqual({ status: 1, stdout: '', stderr: `insmod: ERROR: could not insert module ${file}: Unknown symbol in module\n` });
    expect((await t.run('kmodsim', ['dmesg'])).stdout).toMatch(/unknown_symbol: Unknown symbol \w+ \(err -2\)/);
    expect((await t.run('insmod', ['/lib/modules/6.1.0-kmodsim/kernel/demo/demo_lib.ko'])).stderr).toMatch(/could not insert module .*demo_lib.ko: File exists/);
  });

  test('modprobe loads what a module needs and -r removes it again; --show-depends lists it', async () => {
    const dir = newMachineDir();
    const t = tool(dir);
    await t.run('kmodsim', ['boot']);
    expect((await t.run('modprobe', ['--show-depends', 'demo_irq'])).stdout).toBe(
      `insmod ${dir}/lib/modules/6.1.0-kmodsim/kernel/demo/demo_lib.ko \ninsmod ${dir}/lib/modules/6.1.0-kmodsim/kernel/demo/demo_irq.ko \n`,
    );
    expect((await t.run('modprobe', ['demo_irq'])).status).toBe(0);
    expect((await t.run('lsmod', [])).stdout).toMatch(/^demo_lib +16384 {2}1 demo_irq$/m);
    expect((await t.run('modprobe', ['-r', 'demo_irq'])).status).toBe(0);
    expect((await t.run('lsmod', [])).stdout).toBe('Module                  Size  Used by\n');
    expect(await t.run('modprobe', ['no_such_thing'])).toMatchObject({ status: 1, stderr: expect.stringContaining('modprobe: FATAL: Module no_such_thing not found in directory') as string });
  });
});

describe('the machine directory', () => {
  test('two boots of one fresh directory at once (two kmodsim processes): one boots, the other says the directory holds a machine', async () => {
    for (let round = 0; round < 2; round++) {
      const dir = newMachineDir();
      const t = processes(dir);
      const boots = await Promise.all([t.start('kmodsim', ['boot', '-M', dir]).done, t.start('kmodsim', ['boot', '-M', dir, '--cpus', '2']).done]);
      expect(boots.map((boot) => boot.status).sort()).toEqual([0, 1]);
      expect(boots.find((boot) => boot.status === 1)?.stderr).toBe(`kmodsim boot: ERROR: ${dir} already holds a machine; pass --reboot to replace it\n`);
    }
  });

  test('commands given at once: none is lost', async () => {
    const dir = newMachineDir();
    const t = tool(dir);
    await t.run('kmodsim', ['boot']);
    await t.run('modprobe', ['demo_lib']);
    const holds = await Promise.all(Array.from({ length: 8 }, () => t.run('kmodsim', ['hold', 'demo_lib'])));
    expect(holds.map((hold) => hold.status)).toEqual(Array(8).fill(0));
    expect(new Set(holds.map((hold) => hold.stdout)).size).toBe(8);
    expect(t.journal().trimEnd().split('\n')).toHaveLength(9);
    expect((await t.run('lsmod', [])).stdout).toMatch(/^demo_lib +16384 {2}8$/m);
  });

  test('a damaged journal is reported, not reset, and nothing is written', async () => {
    const { dir, t } = await bootedWithChardev();
    const journal = join(dir, 'journal');
    const damaged = t.journal().replace('"demo_chardev"', '"demo_chardew"');
    writeFileSync(journal, damaged);
    for (const [bin, args] of [['lsmod', []], ['rmmod', ['demo_chardev']], ['kmodsim', ['hold', 'demo_chardev']]] as const) {
      const ran = await t.run(bin, args);
      expect(ran.status).toBe(1);
      expect(ran.stderr).toMatch(new RegExp(`the machine state in ${dir} is damaged: journal: line 1: checksum mismatch`));
    }
    expect(readFileSync(journal, 'utf8')).toBe(damaged);
  });

  test('bad input: kmod-style messages, exit 1 (2 for kmodsim usage), state untouched', async () => {
    const { dir, t } = await bootedWithChardev();
    const before = t.journal();
    writeFileSync(join(dir, '..', 'corrupt.ko'), 'not an ELF file');
    const cases: [ToolName, string[], number, string][] = [
      ['rmmod', ['--bogus'], 1, "rmmod: unrecognized option '--bogus'\nrmmod: ERROR: unexpected getopt_long() value '?'.\n"],
      ['rmmod', [], 1, 'rmmod: ERROR: missing module name.\n'],
      ['rmmod', ['../demo_chardev'], 1, 'rmmod: ERROR: could not use module ../demo_chardev: No such file or directory\n'],
      ['insmod', [], 1, 'insmod: ERROR: missing filename.\n'],
      ['insmod', [join(dir, '..', 'corrupt.ko')], 1, `insmod: ERROR: could not insert module ${join(dir, '..', 'corrupt.ko')}: Invalid module format\n`],
      ['lsmod', ['--bogus'], 1, "lsmod: unrecognized option '--bogus'\n"],
      ['lsmod', ['--machine', join(dir, 'lib')], 1, `lsmod: ERROR: ${join(dir, 'lib')} is not a kmodsim machine (it has no machine.json)\n`],
      ['kmodsim', ['hold'], 2, 'kmodsim hold: ERROR: expected one MODULE'],
      ['kmodsim', ['release', 'abc'], 2, "kmodsim release: ERROR: 'abc' is not a PID: a PID is a whole number from 1 to"],
      ['kmodsim', ['release', '99'], 1, 'kmodsim release: ERROR: pid 99 is not a simulated user holding a module'],
    ];
    for (const [bin, args, status, message] of cases) {
      const ran = await t.run(bin, args);
      expect([bin, args, ran.status]).toEqual([bin, args, status]);
      expect(ran.stderr.startsWith(message)).toBe(true);
    }
    expect(t.journal()).toBe(before);
  });
});
