import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import { fixtures, newMachineDir, tool } from './machine-harness.js';

// A module tree's text files (modules.order, modules.dep, modules.softdep, Module.symvers) are
// read as regular files of a sane size: a FIFO in their place used to block for ever, and a link
// to /dev/zero to fill memory until the process died. Each is now refused or done without, at once.

function mkfifo(path: string): void {
  execFileSync('mkfifo', [path]);
}

describe('a tree file that is not a regular file', () => {
  test('modprobe with modules.softdep a FIFO and modules.dep a link to /dev/zero: an answer, no hang', async () => {
    const dir = newMachineDir();
    const t = tool(dir);
    expect((await t.run('kmodsim', ['boot'])).status).toBe(0);
    const moduleDir = join(dir, 'lib', 'modules', readdirSync(join(dir, 'lib', 'modules'))[0] ?? '');
    rmSync(join(moduleDir, 'modules.softdep'));
    mkfifo(join(moduleDir, 'modules.softdep'));
    expect((await t.run('modprobe', ['demo_fs'])).status).toBe(0);
    expect((await t.run('lsmod', [])).stdout).toMatch(/^demo_fs /m);
    rmSync(join(moduleDir, 'modules.dep'));
    symlinkSync('/dev/zero', join(moduleDir, 'modules.dep'));
    const probed = await t.run('modprobe', ['demo_irq']);
    expect(probed.stderr).toMatch(/^modprobe: FATAL: Module demo_irq not found in directory /m);
    expect(probed.status).toBe(1);
  });

  test('depmod with modules.order a FIFO: kmod\'s warning, naming what it is, and the files written', async () => {
    const base = mkdtempSync(join(tmpdir(), 'kmodsim-tree-'));
    const moduleDir = join(base, 'lib', 'modules', '9.9');
    mkdirSync(join(moduleDir, 'kernel'), { recursive: true });
    copyFileSync(join(fixtures, 'demo_lib.ko'), join(moduleDir, 'kernel', 'demo_lib.ko'));
    mkfifo(join(moduleDir, 'modules.order'));
    const ran = await tool(newMachineDir()).run('depmod', ['-b', base, '9.9']);
    expect(ran.stderr).toContain(`depmod: WARNING: could not open modules.order at ${moduleDir}: it is a FIFO, not a regular file\n`);
    expect(ran.status).toBe(0);
    expect(readdirSync(moduleDir)).toContain('modules.dep');
  });

  test('kmodsim boot --symvers /dev/zero: one line naming the file and what it is', async () => {
    const moduleDir = join(mkdtempSync(join(tmpdir(), 'kmodsim-tree-')), 'lib', 'modules', '9.9');
    mkdirSync(join(moduleDir, 'kernel'), { recursive: true });
    copyFileSync(join(fixtures, 'demo_lib.ko'), join(moduleDir, 'kernel', 'demo_lib.ko'));
    writeFileSync(join(moduleDir, 'modules.order'), 'kernel/demo_lib.ko\n');
    const ran = await tool(newMachineDir()).run('kmodsim', ['boot', '--kernel', moduleDir, '--symvers', '/dev/zero']);
    expect(ran.stderr).toMatch(/cannot read the kernel's symbol table \/dev\/zero: it is a character device, not a regular file\n$/);
    expect(ran.stderr.split('\n')).toHaveLength(2);
    expect(ran.status).not.toBe(0);
  });
});
