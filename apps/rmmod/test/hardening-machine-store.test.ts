import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { acquireLock, machineLocation, readJournal } from '@kmodsim/machine';
import { withNamesSharingOneString } from '../../../packages/linker/fuzz/craft.js';
import { fixtures, newMachineDir, tool } from './machine-harness.js';

// Issue 21, items 5-10: a machine's own files are regular files kmodsim wrote, a directory that
// is not a machine is never written to, and every failure is one line in kmod's manner.

const SETPRIV = '/usr/bin/setpriv';
const binDir = fileURLToPath(new URL('../bin/', import.meta.url));

/**
 * A tool run as its own process by root without the capabilities that let root ignore
 * permission bits (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH), dropped from the inheritable and
 * bounding sets so the program does not get them back: root's own permission bits then hold, as
 * another user's would, on a directory root made read-only, while it can still read a checkout
 * in a private directory (which a run as user nobody could not, so CI skipped this test).
 */
function withoutDacOverride(bin: string, args: readonly string[]): { status: number | null; stderr: string } {
  const drop = '-dac_override,-dac_read_search';
  const ran = spawnSync(SETPRIV, [`--inh-caps=${drop}`, `--bounding-set=${drop}`, process.execPath, join(binDir, `${bin}.js`), ...args], { encoding: 'utf8' });
  return { status: ran.status, stderr: ran.stderr };
}

const hourAgo = (path: string): void => {
  const then = new Date(Date.now() - 3_600_000);
  utimesSync(path, then, then);
};

async function booted(): Promise<{ dir: string; t: ReturnType<typeof tool> }> {
  const dir = newMachineDir();
  const t = tool(dir);
  expect((await t.run('kmodsim', ['boot'])).status).toBe(0);
  return { dir, t };
}

describe('a directory that is not a machine is left as it was', () => {
  test('an old file named lock survives lsmod, boot and rmmod, which say the directory is not a machine', async () => {
    const dir = newMachineDir();
    mkdirSync(dir);
    writeFileSync(join(dir, 'lock'), 'keep\n');
    hourAgo(join(dir, 'lock'));
    const t = tool(dir);
    for (const [bin, args] of [['lsmod', ['-M', dir]], ['kmodsim', ['boot', '-M', dir]], ['rmmod', ['-M', dir, 'x']], ['kmodsim', ['hold', '-M', dir, 'x']]] as const) {
      const ran = await t.run(bin, args);
      expect([bin, ran.status]).toEqual([bin, 1]);
      expect(ran.stderr).toMatch(new RegExp(`ERROR: ${dir} is not a kmodsim machine \\(`));
    }
    expect(readdirSync(dir)).toEqual(['lock']);
    expect(readFileSync(join(dir, 'lock'), 'utf8')).toBe('keep\n');
  });

  test('a stale lock kmodsim itself left (a boot killed at once) does not stop the next boot', async () => {
    const dir = newMachineDir();
    mkdirSync(dir);
    const dead = execFileSync(process.execPath, ['-p', 'process.pid'], { encoding: 'utf8' }).trim();
    writeFileSync(join(dir, 'lock'), `${dead}\n${(await import('node:os')).hostname()}\nkmodsim boot\n`);
    const ran = await tool(dir).run('kmodsim', ['boot', '-M', dir]);
    expect(ran.stderr).toBe('');
    expect(ran.status).toBe(0);
    expect(existsSync(join(dir, 'lock'))).toBe(false);
  });
});

describe('a machine file that is not a regular file is refused, never followed, read or written', () => {
  test('a symlinked journal: its target is neither truncated by lsmod nor appended to by insmod', async () => {
    const { dir, t } = await booted();
    writeFileSync(join(dir, 'notes.txt'), 'my notes\nno newline at the end');
    symlinkSync('notes.txt', join(dir, 'journal'));
    for (const [bin, args] of [['lsmod', []], ['insmod', [join(fixtures, 'demo_lib.ko')]], ['kmodsim', ['ps']]] as const) {
      const ran = await t.run(bin, args);
      expect([bin, ran.status]).toEqual([bin, 1]);
      expect(ran.stderr).toMatch(/is damaged: journal: it is a symbolic link, and kmodsim does not follow links/);
      expect(ran.stderr.trimEnd().split('\n')).toHaveLength(1);
    }
    expect(readFileSync(join(dir, 'notes.txt'), 'utf8')).toBe('my notes\nno newline at the end');
  });

  test.each([
    ['a FIFO', (path: string) => { execFileSync('mkfifo', [path]); }, /it is a FIFO, not a regular file/],
    ['a link to /dev/zero', (path: string) => { symlinkSync('/dev/zero', path); }, /it is a symbolic link/],
    ['a directory', (path: string) => { mkdirSync(path); }, /it is a directory, not a regular file/],
  ])('a journal that is %s: refused at once with one line', async (_what, make, message) => {
    const { dir, t } = await booted();
    make(join(dir, 'journal'));
    const ran = await t.run('lsmod', []);
    expect(ran.status).toBe(1);
    expect(ran.stderr).toMatch(message);
    expect(ran.stderr).not.toMatch(/EISDIR|illegal operation/);
  });

  test('insmod of /dev/zero or a FIFO is EINVAL at once, as finit_module refuses anything but a regular file', async () => {
    const { dir, t } = await booted();
    execFileSync('mkfifo', [join(dir, '..', 'fifo.ko')]);
    for (const file of ['/dev/zero', join(dir, '..', 'fifo.ko')]) {
      const ran = await t.run('insmod', [file]);
      expect(ran).toMatchObject({ status: 1, stderr: `insmod: ERROR: could not load module ${file}: Invalid argument\n` });
    }
  });

  test('images/ that is a link to another directory: damage, and nothing is written there', async () => {
    const { dir, t } = await booted();
    const elsewhere = join(dir, '..', 'elsewhere');
    mkdirSync(elsewhere);
    symlinkSync(elsewhere, join(dir, 'images'));
    const ran = await t.run('insmod', [join(fixtures, 'demo_lib.ko')]);
    expect(ran).toMatchObject({ status: 1, stderr: expect.stringMatching(/^insmod: ERROR: the machine state in .* is damaged: images: it is a symbolic link, and kmodsim does not follow links/) as unknown });
    expect(readdirSync(elsewhere)).toEqual([]);
  });

  test('a FIFO under a module image\'s name: damage, not a crash of the simulated kernel', async () => {
    const { dir, t } = await booted();
    const bytes = readFileSync(join(fixtures, 'demo_lib.ko'));
    mkdirSync(join(dir, 'images'));
    execFileSync('mkfifo', [join(dir, 'images', `${createHash('sha256').update(bytes).digest('hex')}.ko`)]);
    const ran = await t.run('insmod', [join(fixtures, 'demo_lib.ko')]);
    expect(ran).toMatchObject({ status: 1, stderr: expect.stringMatching(/^insmod: ERROR: the machine state in .* is damaged: images\/[0-9a-f]{64}\.ko: it is a FIFO, not a regular file\./) as unknown });
  });

  test('the journal reader bounds what it reads and says which line is too long', () => {
    const dir = newMachineDir();
    mkdirSync(dir);
    const path = join(dir, 'journal');
    writeFileSync(path, `${'x'.repeat(1024 * 1024)}\n`);
    expect(readJournal(path)).toEqual({ ok: false, errno: 'EIO', kind: 'damaged', message: 'line 1: longer than the 1048576-byte limit on a record' });
  });
});

describe('messages', () => {
  test('a lock that cannot be created is an error value, not an exception with a stack', () => {
    const dir = newMachineDir();
    const locked = acquireLock(dir, join(dir, 'no-such-directory', 'lock'), 'test');
    expect(locked).toEqual({ ok: false, errno: 'EIO', kind: 'io', dir, message: `${dir}: cannot lock the machine (lock): No such file or directory` });
  });

  // Root may write anywhere: as root the command runs without CAP_DAC_OVERRIDE, as a user would.
  const asRoot = process.getuid?.() === 0;
  test.skipIf(asRoot && !existsSync(SETPRIV))('a read-only machine directory: one kmod-style line', async () => {
    const { dir, t } = await booted();
    execFileSync('chmod', ['555', dir]);
    try {
      const ran = asRoot ? withoutDacOverride('insmod', ['-M', dir, join(fixtures, 'demo_lib.ko')]) : await t.run('insmod', [join(fixtures, 'demo_lib.ko')]);
      expect(ran.stderr).toMatch(/^insmod: ERROR: .*Permission denied\n$/);
      expect(ran.status).toBe(1);
    } finally {
      execFileSync('chmod', ['755', dir]);
    }
  });

  test.skipIf(!asRoot || !existsSync(SETPRIV))('another user\'s machine (mode 700): says it cannot look inside, not that it is no machine', async () => {
    const { dir } = await booted();
    execFileSync('chown', ['nobody', dir]);
    execFileSync('chmod', ['700', dir]);
    try {
      const ran = withoutDacOverride('lsmod', ['-M', dir]);
      expect(ran.stderr).toBe(`lsmod: ERROR: ${dir}: cannot look inside it: Permission denied\n`);
      expect(ran.status).toBe(1);
    } finally {
      execFileSync('chmod', ['755', dir]);
      execFileSync('chown', ['root', dir]);
    }
  });

  test.skipIf(!asRoot || !existsSync(SETPRIV))('a machine.json the user may not read: says so, not that the machine is damaged', async () => {
    const { dir } = await booted();
    const config = join(dir, 'machine.json');
    execFileSync('chown', ['nobody', config]);
    execFileSync('chmod', ['600', config]);
    try {
      const ran = withoutDacOverride('insmod', ['-M', dir, join(fixtures, 'demo_lib.ko')]);
      expect(ran.stderr).toBe(`insmod: ERROR: ${dir}: cannot read ${config}: Permission denied\n`);
      expect(ran.status).toBe(1);
    } finally {
      execFileSync('chown', ['root', config]);
      execFileSync('chmod', ['644', config]);
    }
  });

  test('insmod with parameters too long to journal: one line, exit 1, and the machine as it was', async () => {
    const { dir, t } = await booted();
    expect((await t.run('insmod', [join(fixtures, 'demo_lib.ko')])).status).toBe(0);
    const files = ['journal', 'machine.state', 'snapshot.json'].map((name) => join(dir, name));
    const before = [...files.map((file) => readFileSync(file)), readdirSync(join(dir, 'images'))];
    const params = Array.from({ length: 10 }, (_, i) => `p${i}=${'a'.repeat(120_000)}`);
    const ran = await t.run('insmod', [join(fixtures, 'demo_irq.ko'), ...params]);
    expect(ran.status).toBe(1);
    expect(ran.stderr).toMatch(new RegExp(`^insmod: ERROR: ${dir}: the command's journal record would be \\d+ bytes, more than the 1048576-byte limit; nothing was recorded\n$`));
    // Not even a copy of demo_irq.ko is kept: the command was refused before anything was written.
    expect([...files.map((file) => readFileSync(file)), readdirSync(join(dir, 'images'))]).toEqual(before);
  });

});

describe('numbers, images, locks and modules that are not what they claim', () => {
  test('kmodsim release with a number no PID can be', async () => {
    const { t } = await booted();
    const ran = await t.run('kmodsim', ['release', '99999999999999999999999']);
    expect(ran.status).toBe(2);
    expect(ran.stderr).toMatch(/^kmodsim release: ERROR: '99999999999999999999999' is not a PID: a PID is a whole number from 1 to 9007199254740991\n/);
  });

  test('an image swapped for another module is damage on replay, never a silent replay of the wrong module', async () => {
    const dir = newMachineDir();
    const t = tool(dir);
    expect((await t.run('kmodsim', ['boot'])).status).toBe(0);
    expect((await t.run('insmod', [join(fixtures, 'demo_lib.ko')])).status).toBe(0);
    const [image] = readdirSync(join(dir, 'images'));
    writeFileSync(join(dir, 'images', image ?? ''), readFileSync(join(fixtures, 'demo_irq.ko')));
    rmSync(join(dir, 'machine.state'), { force: true });
    const journal = readFileSync(join(dir, 'journal'));
    // A process of its own, as every command is: this one's cache of parsed images is not there.
    const ran = spawnSync(process.execPath, [join(binDir, 'insmod.js'), '-M', dir, join(fixtures, 'demo_fs.ko')], { encoding: 'utf8' });
    expect(ran.stderr).toMatch(/^insmod: ERROR: the machine state in .* is damaged: journal: replaying journal record 1 failed: images\/[0-9a-f]{64}\.ko \(.*demo_lib\.ko\) does not hold the module the journal names: its content's SHA-256 is [0-9a-f]{64}\. Nothing was changed;/);
    expect(ran.status).toBe(1);
    expect(readFileSync(join(dir, 'journal'))).toEqual(journal);
  });

  test('a lock of whole lines whose PID no process can have is damage at once, not a minute\'s wait', async () => {
    const dir = newMachineDir();
    const t = tool(dir);
    expect((await t.run('kmodsim', ['boot'])).status).toBe(0);
    writeFileSync(join(dir, 'lock'), '99999999999999999999\nsomehost\ninsmod\n');
    const ran = await t.run('insmod', [join(fixtures, 'demo_fs.ko')]);
    expect(ran.stderr).toMatch(/^insmod: ERROR: the machine state in .* is damaged: lock: its first line, '99999999999999999999', is not a process ID\./);
    expect(ran.status).toBe(1);
  });

  test('kmodsim release with the largest PID the message names is taken as a PID', async () => {
    const { t } = await booted();
    const ran = await t.run('kmodsim', ['release', '9007199254740991']);
    expect(ran.stderr).toBe('kmodsim release: ERROR: pid 9007199254740991 is not a simulated user holding a module (kmodsim ps lists them)\n');
    expect(ran.status).toBe(1);
  });

  test('insmod of a module past one of the linker\'s limits says what the kernel would: Cannot allocate memory', async () => {
    const { t } = await booted();
    const file = join(mkdtempSync(join(tmpdir(), 'kmodsim-names-')), 'names.ko');
    writeFileSync(file, withNamesSharingOneString('symbols', 4000, 1_000_000));
    const ran = await t.run('insmod', [file]);
    expect(ran.stderr).toBe(`insmod: ERROR: could not insert module ${file}: Cannot allocate memory\n`);
    expect(ran.status).toBe(1);
  });
});

describe('the default machine (XDG base directory specification)', () => {
  test('HOME empty or relative: the home directory from the password database, never the current directory', () => {
    for (const HOME of ['', 'relative/home']) {
      const where = machineLocation(undefined, { HOME });
      if (where.ok) expect(where.value).toMatch(/^\/.*\/\.local\/state\/kmodsim\/default$/);
      else expect(where.kind).toBe('no-default');
    }
  });

  test('a relative XDG_STATE_HOME is ignored, an absolute one used', () => {
    expect(machineLocation(undefined, { HOME: '/home/u', XDG_STATE_HOME: 'state' })).toEqual({ ok: true, value: '/home/u/.local/state/kmodsim/default' });
    expect(machineLocation(undefined, { HOME: '/home/u', XDG_STATE_HOME: '/s' })).toEqual({ ok: true, value: '/s/kmodsim/default' });
    expect(machineLocation('m', {})).toMatchObject({ ok: true, value: join(process.cwd(), 'm') });
  });
});
