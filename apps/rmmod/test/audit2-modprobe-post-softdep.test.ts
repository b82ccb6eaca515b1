import { writeFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { newMachineDir, tool } from './machine-harness.js';

// modprobe -r and a module's post: softdeps, as kmod 30's modprobe removes them (rmmod_do_module):
// each post-softdep that is loaded goes first, last first, as a module of its own (with its
// dependencies); one still in use is kmod's LOG "Module X is in use.", FATAL, exit status 1,
// and nothing after it is removed, the module itself included. -q silences that message, and
// then (a LOG below the priority neither prints nor exits) the error is passed over as any
// softdep's is: the module is removed and the status is 0. A post-softdep not loaded is passed
// over in silence. Observed with /usr/sbin/modprobe -d on the same four demo modules, their
// /sys/module entries faked in a mount namespace (refcnt, holders), for -n, -n -v, -q and a
// real removal.

async function machineWithPostSoftdeps() {
  const dir = newMachineDir();
  const t = tool(dir);
  expect((await t.run('kmodsim', ['boot', '--cpus', '2'])).status).toBe(0);
  writeFileSync(`${dir}/lib/modules/6.1.0-kmodsim/modules.softdep`, 'softdep demo_chardev post: demo_fs demo_irq\n');
  expect((await t.run('modprobe', ['demo_chardev'])).status).toBe(0);
  const lsmod = async (): Promise<string[]> => (await t.run('lsmod', [])).stdout.split('\n').slice(1, -1).map((line) => line.split(' ')[0] ?? '');
  expect(await lsmod()).toEqual(['demo_irq', 'demo_fs', 'demo_chardev', 'demo_lib']);
  const holder = (await t.run('kmodsim', ['hold', 'demo_fs'])).stdout.trim();
  expect(holder).toMatch(/^\d+$/);
  return { t, lsmod, holder };
}

const IN_USE = 'modprobe: FATAL: Module demo_fs is in use.\n';

describe('modprobe -r with a post-softdep still in use', () => {
  test('-n and -n -v: the FATAL, exit 1, nothing removed', async () => {
    const { t, lsmod } = await machineWithPostSoftdeps();
    expect(await t.run('modprobe', ['-r', '-n', 'demo_chardev'])).toEqual({ status: 1, stdout: '', stderr: IN_USE });
    expect(await t.run('modprobe', ['-r', '-n', '-v', 'demo_chardev'])).toEqual({ status: 1, stdout: 'rmmod demo_irq\n', stderr: IN_USE });
    expect(await lsmod()).toEqual(['demo_irq', 'demo_fs', 'demo_chardev', 'demo_lib']);
  });

  test('removing: the softdep after it goes, then the FATAL; the module and its dependency stay', async () => {
    const { t, lsmod } = await machineWithPostSoftdeps();
    expect(await t.run('modprobe', ['-r', '-v', 'demo_chardev'])).toEqual({ status: 1, stdout: 'rmmod demo_irq\n', stderr: IN_USE });
    expect(await lsmod()).toEqual(['demo_fs', 'demo_chardev', 'demo_lib']);
  });

  test('-q: not a word, the module and its dependency removed, the softdep in use kept, exit 0', async () => {
    const { t, lsmod } = await machineWithPostSoftdeps();
    expect(await t.run('modprobe', ['-r', '-q', 'demo_chardev'])).toEqual({ status: 0, stdout: '', stderr: '' });
    expect(await lsmod()).toEqual(['demo_fs']);
  });

  test('once released: every softdep, the module and its dependency go, post-softdeps first', async () => {
    const { t, lsmod, holder } = await machineWithPostSoftdeps();
    expect((await t.run('kmodsim', ['release', holder])).status).toBe(0);
    expect(await t.run('modprobe', ['-r', '-v', 'demo_chardev'])).toEqual({
      status: 0, stdout: 'rmmod demo_irq\nrmmod demo_fs\nrmmod demo_chardev\nrmmod demo_lib\n', stderr: '',
    });
    expect(await lsmod()).toEqual([]);
  });

  test('a module that is not loaded: nothing to do, its post-softdeps left alone', async () => {
    const { t, lsmod } = await machineWithPostSoftdeps();
    expect(await t.run('rmmod', ['demo_chardev'])).toEqual({ status: 0, stdout: '', stderr: '' });
    expect(await t.run('modprobe', ['-r', '-v', 'demo_chardev'])).toEqual({ status: 0, stdout: '', stderr: '' });
    expect(await lsmod()).toEqual(['demo_irq', 'demo_fs', 'demo_lib']);
  });
});
