import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { newMachineDir, tool } from './machine-harness.js';

// kmodsim boot replaces only what a kmodsim machine consists of (by name and type): a directory
// whose machine.json is not kmodsim's is no machine, and an interrupted boot's leftovers are
// removed only when nothing of the user's joined them.

const binDir = fileURLToPath(new URL('../bin/', import.meta.url));

function userProject(dir: string): void {
  mkdirSync(join(dir, 'src'), { recursive: true });
  writeFileSync(join(dir, 'src', 'main.c'), 'x\n');
  writeFileSync(join(dir, 'README'), 'notes\n');
}

describe('kmodsim boot never removes what is not a machine\'s', () => {
  test('a directory with a machine.json of its own is not a machine: no --reboot suggested, and --reboot removes nothing', async () => {
    const dir = newMachineDir();
    userProject(dir);
    writeFileSync(join(dir, 'machine.json'), '{"name":"my-vm"}\n');
    const t = tool(dir);
    for (const args of [['boot'], ['boot', '--reboot']]) {
      const ran = await t.run('kmodsim', args);
      expect(ran.status).toBe(1);
      expect(ran.stderr).toBe(`kmodsim boot: ERROR: ${dir} is not a kmodsim machine (its machine.json is not one kmodsim wrote, and kmodsim boot writes only into an empty directory)\n`);
    }
    expect(readdirSync(dir).sort()).toEqual(['README', 'machine.json', 'src']);
    expect(readFileSync(join(dir, 'src', 'main.c'), 'utf8')).toBe('x\n');
    expect(readFileSync(join(dir, 'machine.json'), 'utf8')).toBe('{"name":"my-vm"}\n');
  });

  test('a symlinked machine.json, even to a real machine\'s, makes no machine', async () => {
    const real = newMachineDir();
    expect((await tool(real).run('kmodsim', ['boot'])).status).toBe(0);
    const dir = newMachineDir();
    userProject(dir);
    symlinkSync(join(real, 'machine.json'), join(dir, 'machine.json'));
    const ran = await tool(dir).run('kmodsim', ['boot', '--reboot']);
    expect(ran.status).toBe(1);
    expect(ran.stderr).not.toMatch(/--reboot/);
    expect(readdirSync(dir).sort()).toEqual(['README', 'machine.json', 'src']);
    expect(existsSync(join(real, 'machine.json'))).toBe(true);
  });

  test('--reboot of a real machine keeps the user\'s own files, and refuses when one is where boot writes', async () => {
    const dir = newMachineDir();
    const t = tool(dir);
    expect((await t.run('kmodsim', ['boot'])).status).toBe(0);
    userProject(dir);
    expect((await t.run('insmod', [join(dir, 'lib/modules/6.1.0-kmodsim/kernel/demo/demo_lib.ko')])).status).toBe(0);
    expect((await t.run('kmodsim', ['boot', '--reboot'])).status).toBe(0);
    expect(readFileSync(join(dir, 'src', 'main.c'), 'utf8')).toBe('x\n');
    expect(readFileSync(join(dir, 'README'), 'utf8')).toBe('notes\n');
    expect(existsSync(join(dir, 'journal'))).toBe(false);
    const mine = join(dir, 'lib/modules/6.1.0-kmodsim/kernel/demo/mine.ko');
    writeFileSync(mine, 'mine\n');
    const ran = await t.run('kmodsim', ['boot', '--reboot']);
    expect(ran.status).toBe(1);
    expect(ran.stderr).toBe(`kmodsim boot: ERROR: ${dir}: it holds files a machine does not consist of where kmodsim boot writes (lib/modules/6.1.0-kmodsim/kernel/demo/mine.ko); move them aside to reboot it\n`);
    expect(readFileSync(mine, 'utf8')).toBe('mine\n');
    expect(existsSync(join(dir, 'machine.json'))).toBe(true);
  });
});

describe('a boot after an interrupted one', () => {
  test('a reboot killed mid-write: every command says the boot was interrupted and how to recover; boot recovers it', async () => {
    const dir = newMachineDir();
    const t = tool(dir);
    expect((await t.run('kmodsim', ['boot'])).status).toBe(0);
    const killed = spawnSync(process.execPath, [join(binDir, 'kmodsim.js'), 'boot', '--reboot', '-M', dir], { env: { ...process.env, KMODSIM_CRASH_AT: 'replace-opened' } });
    expect(killed.signal).toBe('SIGKILL');
    const why = `it has no machine.json: a kmodsim boot of it was interrupted before it finished; boot it again with: kmodsim boot --machine ${dir}`;
    for (const [command, args] of [['lsmod', []], ['rmmod', ['demo_lib']], ['modprobe', ['demo_lib']]] as const) {
      const ran = await t.run(command, [...args]);
      expect(ran.stderr).toContain(`${dir} is not a kmodsim machine (${why})`);
      expect(ran.status).not.toBe(0);
    }
    // A file the user added since: named at once, not only by the boot the hint sends them to.
    writeFileSync(join(dir, 'notes.txt'), 'mine\n');
    const named = await t.run('lsmod', []);
    expect(named.stderr).toContain(`${dir} is not a kmodsim machine (a boot of it was interrupted, and it holds files kmodsim did not write (notes.txt); move them aside to boot it)`);
    spawnSync('rm', [join(dir, 'notes.txt')]);
    const again = await t.run('kmodsim', ['boot', '--machine', dir]);
    expect(again.stderr).toBe('');
    expect(again.status).toBe(0);
    expect((await t.run('lsmod', [])).status).toBe(0);
  });

  test('refuses, naming them, when the user added files since; boots once they are moved aside', async () => {
    const dir = newMachineDir();
    const killed = spawnSync(process.execPath, [join(binDir, 'kmodsim.js'), 'boot', '-M', dir], { env: { ...process.env, KMODSIM_CRASH_AT: 'replace-opened' } });
    expect(killed.signal).toBe('SIGKILL');
    mkdirSync(join(dir, 'thesis'));
    writeFileSync(join(dir, 'thesis', 'ch1.tex'), 'ch1\n');
    writeFileSync(join(dir, 'todo.txt'), 'todo\n');
    const t = tool(dir);
    const ran = await t.run('kmodsim', ['boot']);
    expect(ran.stderr).toBe(`kmodsim boot: ERROR: ${dir} is not a kmodsim machine (a boot of it was interrupted, and it holds files kmodsim did not write (thesis, todo.txt); move them aside to boot it)\n`);
    expect(ran.status).toBe(1);
    expect(readFileSync(join(dir, 'thesis', 'ch1.tex'), 'utf8')).toBe('ch1\n');
    expect(readFileSync(join(dir, 'todo.txt'), 'utf8')).toBe('todo\n');
    const moved = newMachineDir();
    mkdirSync(moved);
    spawnSync('mv', [join(dir, 'thesis'), join(dir, 'todo.txt'), moved]);
    const again = await t.run('kmodsim', ['boot']);
    expect(again.stderr).toBe('');
    expect(again.status).toBe(0);
    expect(readdirSync(dir).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });
});
