import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { readFreshSnapshot } from '@kmodsim/machine';
import { main as kmodsim } from '../src/cli/kmodsim.js';
import { main as lsmod } from '../src/cli/lsmod.js';
import { main as modprobe } from '../src/cli/modprobe.js';
import type { CliMain } from '@kmodsim/cli';
import { runTool, type Ran } from './run-tool.js';
import { fixtures, newMachineDir } from './machine-harness.js';

// What a user audit of the kmodsim CLI found: each mistake ends in one line naming the problem
// and a non-zero status (2 for usage), never a hang, a stack trace or an answer from a damaged
// machine.

const ran = (tool: CliMain, args: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<Ran> => runTool(tool, args, { env });

async function booted(): Promise<string> {
  const dir = newMachineDir();
  expect((await ran(kmodsim, ['boot', '--machine', dir, '--cpus', '2'])).status).toBe(0);
  expect((await ran(modprobe, ['-M', dir, 'demo_chardev'])).status).toBe(0);
  return dir;
}

const bin = fileURLToPath(new URL('../bin/kmodsim.js', import.meta.url));

describe('kmodsim boot creates the machine directory, or says in one line why it cannot', () => {
  // /proc is Linux's (the only system kmodsim's CI and users' kernels run on); elsewhere there is no such tree to try.
  test.skipIf(!existsSync('/proc/self'))('under /proc it fails at once instead of looping forever', async () => {
    const result = await new Promise<{ code: number | null; killed: boolean; stderr: string }>((resolve) => {
      const child = execFile(process.execPath, [bin, 'boot', '--machine', '/proc/kmodsim-nope'], { timeout: 20_000 }, (_error, _stdout, stderr) => {
        resolve({ code: child.exitCode, killed: child.killed, stderr });
      });
    });
    expect(result).toEqual({ code: 1, killed: false, stderr: 'kmodsim boot: ERROR: /proc/kmodsim-nope: cannot create the directory: No such file or directory\n' });
  });

  test('a file that stands in the way is named', async () => {
    const base = mkdtempSync(join(tmpdir(), 'kmodsim-test-'));
    writeFileSync(join(base, 'file'), 'mine');
    const blocked = await ran(kmodsim, ['boot', '--machine', join(base, 'file', 'machine')]);
    expect(blocked).toEqual({ status: 1, stdout: '', stderr: `kmodsim boot: ERROR: ${join(base, 'file', 'machine')}: cannot create the directory: Not a directory\n` });
    expect(readFileSync(join(base, 'file'), 'utf8')).toBe('mine');
  });
});

describe('bad values are usage errors: one line naming the option and the value as typed, exit 2', () => {
  test.each([
    [['boot', '--cpus', '-1'], "kmodsim boot: ERROR: --cpus takes a whole number of CPUs from 1 to 1024, not '-1'"],
    [['boot', '--cpus', 'abc'], "kmodsim boot: ERROR: --cpus takes a whole number of CPUs from 1 to 1024, not 'abc'"],
    [['demo', '--cpus', '-3'], "kmodsim demo: ERROR: --cpus takes a whole number of CPUs from 1 to 1024, not '-3'"],
    [['scenario', 'run', 'unload-vs-use', '--cpus', '2.5'], "kmodsim scenario run: ERROR: --cpus takes a whole number of CPUs from 1 to 1024, not '2.5'"],
    [['trace', '--last', '-1'], "kmodsim trace: ERROR: --last takes a whole number of commands, not '-1'"],
    [['hold', 'demo_chardev', '--for', '-5s'], "kmodsim hold: ERROR: bad --for duration '-5s'"],
    [['hold', 'demo_chardev', '--for', '99999999999999999999s'], "kmodsim hold: ERROR: bad --for duration '99999999999999999999s'"],
    [['hold', 'demo_chardev', '--for', '0'], "kmodsim hold: ERROR: bad --for duration '0'"],
  ])('kmodsim %j', async (args, message) => {
    const dir = newMachineDir();
    const result = await ran(kmodsim, args, { KMODSIM_MACHINE: dir });
    expect(result.status).toBe(2);
    expect(result.stderr.startsWith(message)).toBe(true);
    expect(result.stderr.split('\n')).toHaveLength(2);
    expect(existsSync(dir)).toBe(false);
  });

  test('a holder with a huge or zero --for is refused and nothing is journalled', async () => {
    const dir = await booted();
    const journal = readFileSync(join(dir, 'journal'), 'utf8');
    for (const duration of ['99999999999999999999s', '0']) {
      expect((await ran(kmodsim, ['hold', 'demo_chardev', '--for', duration, '-M', dir])).status).toBe(2);
    }
    expect(readFileSync(join(dir, 'journal'), 'utf8')).toBe(journal);
    const held = await ran(kmodsim, ['hold', 'demo_chardev', '--for', '24h', '-M', dir]);
    expect(held).toMatchObject({ status: 0, stderr: '' });
    expect(held.stdout).toMatch(/^\d+\n$/);
  });
});

describe('a damaged machine.json is damage to every reader', () => {
  test('lsmod, ps, dmesg, cat and modprobe all refuse it with the same words, and leave it as it is', async () => {
    const dir = await booted();
    writeFileSync(join(dir, 'machine.json'), '{bad');
    const damaged = `the machine state in ${dir} is damaged: machine.json: not JSON.`;
    for (const [name, tool, args] of [
      ['lsmod', lsmod, ['-M', dir]],
      ['kmodsim ps', kmodsim, ['ps', '-M', dir]],
      ['kmodsim dmesg', kmodsim, ['dmesg', '-M', dir]],
      ['kmodsim cat', kmodsim, ['cat', '/proc/modules', '-M', dir]],
      ['modprobe', modprobe, ['-M', dir, 'demo_fs']],
    ] as const) {
      const result = await ran(tool, args);
      expect([name, result.status, result.stdout]).toEqual([name, 1, '']);
      expect(result.stderr).toContain(`${name}: ERROR: ${damaged}`);
    }
    expect(readFileSync(join(dir, 'machine.json'), 'utf8')).toBe('{bad');
  });

  test('a healthy machine still answers from its snapshot, without rebuilding it', async () => {
    const dir = await booted();
    expect(readFreshSnapshot(join(dir, 'snapshot.json'), join(dir, 'journal'), Date.now()).kind).toBe('fresh');
    const fresh = newMachineDir();
    expect((await ran(kmodsim, ['boot', '-M', fresh])).status).toBe(0);
    expect(readFreshSnapshot(join(fresh, 'snapshot.json'), join(fresh, 'journal'), Date.now()).kind).toBe('fresh');
  });
});

describe('the options the kmod tools have', () => {
  test('-M names the machine for boot and ps, as for rmmod and lsmod', async () => {
    const dir = newMachineDir();
    expect((await ran(kmodsim, ['boot', '-M', dir, '--cpus', '2'])).stdout).toContain(`booted ${dir}: 2 CPUs`);
    expect(await ran(kmodsim, ['ps', '-M', dir])).toMatchObject({ status: 0, stderr: '', stdout: expect.stringContaining('migration/1') as unknown });
  });

  test('--version and -V print the version, exit 0', async () => {
    for (const flag of ['--version', '-V']) {
      expect(await ran(kmodsim, [flag])).toEqual({ status: 0, stdout: 'kmodsim 0.1.0 (kmod-compatible tools on a simulated machine)\n', stderr: '' });
    }
  });
});

describe('a --schedule that does not fit the run is the user\'s mistake', () => {
  test('one line saying which step and what it asked for, exit 2, no trace and no replay to copy', async () => {
    const result = await ran(kmodsim, ['scenario', 'run', 'unload-vs-use', '--schedule', 'kms1:list:9*500']);
    expect(result).toEqual({
      status: 2,
      stdout: '',
      stderr: "kmodsim scenario run: ERROR: --schedule 'kms1:list:9*500' does not fit this run at step 1: CPU 9 has nothing to do (this run has CPUs 0-1)\n",
    });
  });

  test('so is one that ends while the run goes on', async () => {
    const result = await ran(kmodsim, ['demo', '--schedule', 'kms1:list:0']);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^kmodsim demo: ERROR: --schedule 'kms1:list:0' does not fit this run at step \d+: the schedule ends after 1 choices but the run goes on\n$/);
  });
});

describe('kmodsim boot --symvers names the file it cannot use', () => {
  function tree(): string {
    const root = mkdtempSync(join(tmpdir(), 'kmodsim-tree-'));
    const moduleDir = join(root, 'lib', 'modules', '6.1.0-kmodsim');
    mkdirSync(join(moduleDir, 'kernel'), { recursive: true });
    copyFileSync(join(fixtures, 'demo_lib.ko'), join(moduleDir, 'kernel', 'demo_lib.ko'));
    writeFileSync(join(moduleDir, 'modules.order'), 'kernel/demo_lib.ko\n');
    return root;
  }

  test.each([
    ['bad-file', 'x\n', 'line 1: not a Module.symvers line: "x"'],
    ['empty', '', "no exported symbols in it (is it the kernel's Module.symvers?)"],
  ])('%s: one line with the file name, exit 2, no machine made', async (name, contents, problem) => {
    const root = tree();
    const symvers = join(root, name);
    writeFileSync(symvers, contents);
    const dir = newMachineDir();
    const result = await ran(kmodsim, ['boot', '-M', dir, '--kernel', root, '--symvers', symvers]);
    expect(result).toEqual({ status: 2, stdout: '', stderr: `kmodsim boot: ERROR: ${symvers}: ${problem}\n` });
    expect(existsSync(dir)).toBe(false);
  });
});

describe('every kmodsim subcommand takes -h/--help', () => {
  const subcommands = [['demo'], ['scenario'], ['scenario', 'list'], ['scenario', 'run'], ['scenario', 'run', 'wait-for-users'],
    ['boot'], ['hold'], ['release'], ['ps'], ['dmesg'], ['cat'], ['trace']];
  test.each(subcommands.flatMap((words) => [[...words, '--help'], [...words, '-h']]))('kmodsim %s %s prints its usage and exits 0', async (...args) => {
    const result = await ran(kmodsim, args, { KMODSIM_MACHINE: newMachineDir() });
    expect(result).toMatchObject({ status: 0, stderr: '' });
    expect(result.stdout).toMatch(/^Usage: kmodsim /);
    expect(result.stdout).not.toMatch(/wait-for-users {2,}/);
  });
});
