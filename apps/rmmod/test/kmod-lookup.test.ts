import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { skipWithout } from '@kmodsim/vitest-config/real-data';
import { VERSION_TEXT } from '../src/tool-support/options.js';
import { bootedCopy, newMachineDir, tool } from './machine-harness.js';

// How modprobe, modinfo and rmmod find a module as kmod does (name, alias pattern, built-in),
// and what they print doing it: -q, -v, -n, -s, as kmod 30's tools do on the same tree.

async function embeddedMachine() {
  const dir = newMachineDir();
  const t = tool(dir);
  expect((await t.run('kmodsim', ['boot'])).status).toBe(0);
  return { dir, t, moduleDir: `${dir}/lib/modules/6.1.0-kmodsim` };
}

describe('modprobe and modinfo resolve aliases from modules.alias', () => {
  test('char-major-240-0 matches demo_chardev\'s char-major-240-* and fs-demofs demo_fs; a miss keeps the name as typed', async () => {
    const { t, moduleDir } = await embeddedMachine();
    expect(await t.run('modprobe', ['-v', 'char-major-240-0'])).toEqual({
      status: 0,
      stdout: `insmod ${moduleDir}/kernel/demo/demo_lib.ko \ninsmod ${moduleDir}/kernel/demo/demo_chardev.ko \n`,
      stderr: '',
    });
    expect((await t.run('modprobe', ['fs-demofs'])).status).toBe(0);
    expect((await t.run('lsmod', [])).stdout).toMatch(/^demo_fs .*\ndemo_chardev .*\ndemo_lib .* demo_chardev\n$/m);
    expect(await t.run('modprobe', ['char-major-1-0'])).toEqual({ status: 1, stdout: '', stderr: `modprobe: FATAL: Module char-major-1-0 not found in directory ${moduleDir}\n` });
    expect(await t.run('modinfo', ['-F', 'filename', 'char-major-240-7'])).toEqual({ status: 0, stdout: `${moduleDir}/kernel/demo/demo_chardev.ko\n`, stderr: '' });
  });
});

describe('modprobe\'s -q, -v and -n', () => {
  test('-q silences "not found" but still fails', async () => {
    const { t } = await embeddedMachine();
    expect(await t.run('modprobe', ['-q', 'no_such_module'])).toEqual({ status: 1, stdout: '', stderr: '' });
    expect(await t.run('modprobe', ['-q', '-r', 'no_such_module'])).toEqual({ status: 1, stdout: '', stderr: '' });
    expect(await t.run('modprobe', ['-r', 'no_such_module'])).toEqual({ status: 1, stdout: '', stderr: 'modprobe: FATAL: Module no_such_module not found.\n' });
  });

  // demo_chardev has `softdep demo_chardev pre: demo_lib`, and demo_lib is its dependency too.
  // -n removes nothing, so the pre-softdep is still in use when kmod comes to it: kmod 30's
  // modprobe -r -n -v prints the rmmod, then "FATAL: Module demo_lib is in use." and exits 1.
  test('-r -v shows each rmmod, the dependency freed after it too; -r -n -v shows what it would remove, removes nothing, and stops at the pre-softdep still in use', async () => {
    const { t } = await embeddedMachine();
    await t.run('modprobe', ['demo_chardev']);
    expect(await t.run('modprobe', ['-r', '-n', '-v', 'demo_chardev'])).toEqual({ status: 1, stdout: 'rmmod demo_chardev\n', stderr: 'modprobe: FATAL: Module demo_lib is in use.\n' });
    expect((await t.run('lsmod', [])).stdout).toContain('demo_chardev');
    expect(await t.run('modprobe', ['-n', '-v', 'demo_irq'])).toMatchObject({ status: 0, stdout: expect.stringMatching(/^insmod \S+\/demo_irq\.ko \n$/) as string });
    expect(await t.run('modprobe', ['-r', '-v', 'demo_chardev'])).toEqual({ status: 0, stdout: 'rmmod demo_chardev\nrmmod demo_lib\n', stderr: '' });
    expect((await t.run('lsmod', [])).stdout).toBe('Module                  Size  Used by\n');
  });
});

describe('modinfo on a machine, rmmod -s, depmod -V', () => {
  test('modinfo looks names up in $KMODSIM_MACHINE\'s tree (or --machine\'s), as lsmod and rmmod do', async () => {
    const { dir, t, moduleDir } = await embeddedMachine();
    expect(await t.run('modinfo', ['-F', 'filename', 'demo_chardev'])).toEqual({ status: 0, stdout: `${moduleDir}/kernel/demo/demo_chardev.ko\n`, stderr: '' });
    const other = tool(join(dir, '..', 'nowhere'));
    expect(await other.run('modinfo', ['-M', dir, '-F', 'alias', 'demo_chardev'])).toEqual({ status: 0, stdout: 'char-major-240-*\n', stderr: '' });
  });

  test('modinfo on a file too short to be a module: kmod\'s filename line, then EINVAL', async () => {
    const { dir, t } = await embeddedMachine();
    const file = join(dir, '..', 'tiny.ko');
    writeFileSync(file, 'junk\n');
    expect(await t.run('modinfo', [file])).toEqual({ status: 1, stdout: `filename:       ${file}\n`, stderr: "modinfo: ERROR: could not get modinfo from 'tiny': Invalid argument\n" });
  });

  test('rmmod, insmod and modprobe -s send their errors to syslog, not stderr, and still fail', async () => {
    const { t } = await embeddedMachine();
    expect(await t.run('rmmod', ['-s', 'demo_fs'])).toEqual({ status: 1, stdout: '', stderr: '' });
    expect(await t.run('insmod', ['-s', '/no/such.ko'])).toEqual({ status: 1, stdout: '', stderr: '' });
    expect(await t.run('modprobe', ['-s', 'no_such_module'])).toEqual({ status: 1, stdout: '', stderr: '' });
    expect(await t.run('rmmod', ['demo_fs'])).toMatchObject({ status: 1, stderr: 'rmmod: ERROR: Module demo_fs is not currently loaded\n' });
  });

  test('depmod -V prints the version as the other tools do', async () => {
    const { t } = await embeddedMachine();
    expect(await t.run('depmod', ['-V'])).toEqual({ status: 0, stdout: VERSION_TEXT, stderr: '' });
    expect((await t.run('depmod', ['--version'])).stdout).toBe(VERSION_TEXT);
  });
});

const treesDir = fileURLToPath(new URL('../../../kernel-trees/', import.meta.url));
const version = existsSync(treesDir) ? readdirSync(treesDir).find((v) => existsSync(`${treesDir}${v}/.complete`)) : undefined;
const treeModuleDir = `${treesDir}${version ?? ''}/lib/modules/${version ?? ''}`;

// The real tree is downloaded, never committed: without it these skip on a developer's machine,
// and CI (KMODSIM_REQUIRE_REAL_DATA=1, after fetching the tree) makes skipWithout fail instead.
describe.skipIf(skipWithout('the Debian kernel tree (bash scripts/fetch-kernel-tree.sh)', version !== undefined))('on a machine booted from the real tree', () => {
  async function realMachine() {
    const { t, booted } = await bootedCopy(['--kernel', treeModuleDir, '--symvers', `${treesDir}${version ?? ''}/Module.symvers`]);
    expect(booted).toMatchObject({ status: 0, stderr: '' });
    return t;
  }

  test('insmod dummy.ko refuses a bad numdummies (int) as the kernel does', async () => {
    const t = await realMachine();
    const file = `${treeModuleDir}/kernel/drivers/net/dummy.ko`;
    expect(await t.run('insmod', [file, 'numdummies=abc'])).toEqual({ status: 1, stdout: '', stderr: `insmod: ERROR: could not insert module ${file}: Invalid parameters\n` });
    expect(await t.run('insmod', [file, 'numdummies=99999999999999'])).toMatchObject({ status: 1, stderr: `insmod: ERROR: could not insert module ${file}: Numerical result out of range\n` });
    expect(await t.run('insmod', [file, 'numdummies'])).toMatchObject({ status: 1, stderr: `insmod: ERROR: could not insert module ${file}: Invalid parameters\n` });
    expect((await t.run('kmodsim', ['dmesg'])).stdout).toContain("dummy: `abc' invalid for parameter `numdummies'\n");
    expect((await t.run('lsmod', [])).stdout).toBe('Module                  Size  Used by\n');
    expect(await t.run('insmod', [file, 'numdummies=2'])).toEqual({ status: 0, stdout: '', stderr: '' });
  });

  test('aliases: modprobe net-pf-15 loads af_key; modinfo finds it too', async () => {
    const t = await realMachine();
    expect(await t.run('modprobe', ['net-pf-15'])).toEqual({ status: 0, stdout: '', stderr: '' });
    expect((await t.run('lsmod', [])).stdout).toMatch(/^af_key +\d+ {2}0\nxfrm_algo +\d+ {2}1 af_key\n$/m);
    expect((await t.run('modinfo', ['-F', 'filename', 'net-pf-15'])).stdout).toBe(`${treeModuleDir}/kernel/net/key/af_key.ko\n`);
  });

  test('modprobe applies softdeps: crypto-crc32c (an alias) before jbd2 and ext4, blake2b_generic for btrfs; -r removes them after', async () => {
    const t = await realMachine();
    const insmod = (path: string, params = ''): string => `insmod ${treeModuleDir}/${path} ${params}\n`;
    const crc32c = insmod('kernel/arch/x86/crypto/crc32c-intel.ko') + insmod('kernel/crypto/crc32c_generic.ko');
    const ext4 = crc32c + insmod('kernel/fs/jbd2/jbd2.ko') + insmod('kernel/fs/mbcache.ko') + insmod('kernel/lib/crc16.ko') + insmod('kernel/fs/ext4/ext4.ko');
    expect(await t.run('modprobe', ['--show-depends', 'ext4'])).toEqual({ status: 0, stdout: ext4, stderr: '' });
    expect((await t.run('modprobe', ['-D', 'btrfs'])).stdout).toContain(insmod('kernel/crypto/blake2b_generic.ko'));
    expect(await t.run('modprobe', ['-v', 'ext4'])).toEqual({ status: 0, stdout: ext4, stderr: '' });
    expect((await t.run('lsmod', [])).stdout).toMatch(/^crc32c_generic +\d+ {2}0$/m);
    expect(await t.run('modprobe', ['-n', '-r', 'ext4'])).toMatchObject({ status: 0, stdout: '' });
    expect(await t.run('modprobe', ['-r', '-v', 'ext4'])).toEqual({
      status: 0, stdout: 'rmmod ext4\nrmmod crc16\nrmmod mbcache\nrmmod jbd2\nrmmod crc32c_generic\nrmmod crc32c_intel\n', stderr: '',
    });
    expect((await t.run('lsmod', [])).stdout).toBe('Module                  Size  Used by\n');
  });

  test('a built-in module (modules.builtin): rmmod and modprobe -r refuse it, modprobe has nothing to do', async () => {
    const t = await realMachine();
    expect(await t.run('rmmod', ['iosf_mbi'])).toEqual({ status: 1, stdout: '', stderr: 'rmmod: ERROR: Module iosf_mbi is builtin.\n' });
    expect(await t.run('rmmod', ['no_such', 'iosf_mbi'])).toMatchObject({
      status: 1, stderr: 'rmmod: ERROR: Module no_such is not currently loaded\nrmmod: ERROR: Module iosf_mbi is builtin.\n',
    });
    expect(await t.run('modprobe', ['iosf_mbi'])).toEqual({ status: 0, stdout: '', stderr: '' });
    expect(await t.run('modprobe', ['-D', 'iosf_mbi'])).toEqual({ status: 0, stdout: 'builtin iosf_mbi\n', stderr: '' });
    expect(await t.run('modprobe', ['-r', 'iosf_mbi'])).toEqual({ status: 1, stdout: '', stderr: 'modprobe: FATAL: Module iosf_mbi is builtin.\n' });
  });
});
