import { writeFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { newMachineDir, tool } from './machine-harness.js';

// modprobe -r and a module's pre: softdeps, as kmod 30's modprobe removes them (rmmod_do_module):
// after the module and the dependencies nothing uses any more, each pre-softdep that is loaded
// goes, last first, as a module of its own. One still in use is kmod's LOG "Module X is in use.":
// FATAL, exit status 1, nothing after it removed, what went before it gone. -q silences the
// message, and then the error is passed over (status 0). -n removes nothing, so a pre-softdep
// that is also a dependency is still in use there. Observed with /usr/sbin/modprobe -d on the
// same four demo modules (depmod run on a copy of the machine's tree), /sys/module faked on a
// tmpfs in a mount namespace (refcnt, holders) and delete_module(2) faked by an LD_PRELOAD shim
// that drops the refcnt of the modules the removed one held.

const IN_USE = 'modprobe: FATAL: Module demo_fs is in use.\n';

async function machineWithPreSoftdeps(softdep: string) {
  const dir = newMachineDir();
  const t = tool(dir);
  expect((await t.run('kmodsim', ['boot', '--cpus', '2'])).status).toBe(0);
  writeFileSync(`${dir}/lib/modules/6.1.0-kmodsim/modules.softdep`, `${softdep}\n`);
  expect((await t.run('modprobe', ['demo_chardev'])).status).toBe(0);
  const lsmod = async (): Promise<string[]> => (await t.run('lsmod', [])).stdout.split('\n').slice(1, -1).map((line) => line.split(' ')[0] ?? '').sort();
  expect(await lsmod()).toEqual(['demo_chardev', 'demo_fs', 'demo_irq', 'demo_lib']);
  const holder = (await t.run('kmodsim', ['hold', 'demo_fs'])).stdout.trim();
  expect(holder).toMatch(/^\d+$/);
  return { t, lsmod, holder };
}

describe('modprobe -r with a pre-softdep still in use (pre: demo_fs demo_irq, demo_fs held)', () => {
  const softdep = 'softdep demo_chardev pre: demo_fs demo_irq';

  test('-n and -n -v: the rmmods it would run up to the softdep in use, then the FATAL, exit 1, nothing removed', async () => {
    const { t, lsmod } = await machineWithPreSoftdeps(softdep);
    expect(await t.run('modprobe', ['-r', '-n', 'demo_chardev'])).toEqual({ status: 1, stdout: '', stderr: IN_USE });
    expect(await t.run('modprobe', ['-r', '-n', '-v', 'demo_chardev'])).toEqual({ status: 1, stdout: 'rmmod demo_chardev\nrmmod demo_irq\n', stderr: IN_USE });
    expect(await lsmod()).toEqual(['demo_chardev', 'demo_fs', 'demo_irq', 'demo_lib']);
  });

  test('removing: the module, the softdep after the one in use and the dependency they shared go, then the FATAL', async () => {
    const { t, lsmod } = await machineWithPreSoftdeps(softdep);
    expect(await t.run('modprobe', ['-r', '-v', 'demo_chardev'])).toEqual({
      status: 1, stdout: 'rmmod demo_chardev\nrmmod demo_irq\nrmmod demo_lib\n', stderr: IN_USE,
    });
    expect(await lsmod()).toEqual(['demo_fs']);
  });

  test('the FATAL ends the run: a later argument is not looked at', async () => {
    const { t, lsmod } = await machineWithPreSoftdeps('softdep demo_chardev pre: demo_irq demo_fs');
    expect(await t.run('modprobe', ['-r', '-v', 'demo_chardev', 'demo_irq'])).toEqual({ status: 1, stdout: 'rmmod demo_chardev\n', stderr: IN_USE });
    expect(await lsmod()).toEqual(['demo_fs', 'demo_irq', 'demo_lib']);
  });

  test('-q: not a word, not even -v\'s, everything but the softdep in use removed, exit 0', async () => {
    const { t, lsmod } = await machineWithPreSoftdeps(softdep);
    expect(await t.run('modprobe', ['-r', '-n', '-q', '-v', 'demo_chardev'])).toEqual({ status: 0, stdout: '', stderr: '' });
    expect(await t.run('modprobe', ['-r', '-q', '-v', 'demo_chardev'])).toEqual({ status: 0, stdout: '', stderr: '' });
    expect(await lsmod()).toEqual(['demo_fs']);
  });

  test('once released: the module, its dependency, then every pre-softdep, last first', async () => {
    const { t, lsmod, holder } = await machineWithPreSoftdeps(softdep);
    expect((await t.run('kmodsim', ['release', holder])).status).toBe(0);
    expect(await t.run('modprobe', ['-r', '-v', 'demo_chardev'])).toEqual({
      status: 0, stdout: 'rmmod demo_chardev\nrmmod demo_irq\nrmmod demo_lib\nrmmod demo_fs\n', stderr: '',
    });
    expect(await lsmod()).toEqual([]);
  });
});

describe('modprobe -r with a pre-softdep that is also a dependency (the embedded demo_chardev: pre: demo_lib)', () => {
  test('-n: demo_lib is still used by demo_chardev, which -n did not remove: the FATAL, exit 1; -n -q: silent, exit 0', async () => {
    const t = tool(newMachineDir());
    expect((await t.run('kmodsim', ['boot'])).status).toBe(0);
    expect((await t.run('modprobe', ['demo_chardev'])).status).toBe(0);
    expect(await t.run('modprobe', ['-r', '-n', 'demo_chardev'])).toEqual({ status: 1, stdout: '', stderr: 'modprobe: FATAL: Module demo_lib is in use.\n' });
    expect(await t.run('modprobe', ['-r', '-n', '-q', 'demo_chardev'])).toEqual({ status: 0, stdout: '', stderr: '' });
    expect(await t.run('modprobe', ['-r', '-v', 'demo_chardev'])).toEqual({ status: 0, stdout: 'rmmod demo_chardev\nrmmod demo_lib\n', stderr: '' });
    expect((await t.run('lsmod', [])).stdout).toBe('Module                  Size  Used by\n');
  });
});
