import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { skipWithout } from '@kmodsim/vitest-config/real-data';
import { runTool, type Ran } from './run-tool.js';
import { main } from '../src/cli/depmod.js';

// depmod on a tree that lacks the files beside its modules says what kmod 30's depmod says, in
// the same order and with the same exit status (0: these are warnings). Observed with
// /usr/sbin/depmod -b on copies of the fixture modules:
//   modules.order missing: a warning before any module is read (so before a module's ERROR);
//   modules.builtin, modules.builtin.modinfo missing: a warning each while the indexes are
//   written, so none for -n;
//   -A without modules.dep: "could not fstatat(DIR, modules.dep)" as an ERROR, then the whole run;
//   -A with modules.dep newer than every module: nothing at all; -A -n: nothing at all.

const VERSION = '6.1.0-kmodsim';
const fixturesDir = fileURLToPath(new URL('../../../packages/linker/fixtures/modules/', import.meta.url));
const KMOD_DEPMOD = '/usr/sbin/depmod';

type Extra = 'modules.order' | 'modules.builtin' | 'modules.builtin.modinfo' | 'modules.dep' | 'bad.ko';

/** A tree of four fixture modules with only the extra files asked for; its root and version directory. */
function tree(extras: readonly Extra[]): { root: string; dir: string } {
  const root = mkdtempSync(`${tmpdir()}/kmodsim-audit2-depmod-`);
  const dir = `${root}/lib/modules/${VERSION}`;
  mkdirSync(`${dir}/kernel`, { recursive: true });
  const modules = ['demo_lib', 'demo_chardev', 'demo_fs', 'demo_irq'];
  for (const name of modules) copyFileSync(`${fixturesDir}${name}.ko`, `${dir}/kernel/${name}.ko`);
  for (const extra of extras) {
    if (extra === 'modules.order') writeFileSync(`${dir}/modules.order`, modules.map((m) => `kernel/${m}.ko\n`).join(''));
    else if (extra === 'bad.ko') writeFileSync(`${dir}/kernel/bad.ko`, 'not an ELF file\n');
    else writeFileSync(`${dir}/${extra}`, '');
  }
  return { root, dir };
}

const ours = (argv: readonly string[]): Promise<Ran> => runTool(main, argv);

const warning = (dir: string, name: string): string => `depmod: WARNING: could not open ${name} at ${dir}: No such file or directory\n`;

describe('depmod on a tree without modules.order, modules.builtin or modules.builtin.modinfo', () => {
  test('none of them: three warnings, in kmod\'s order, exit 0, and the files are written all the same', async () => {
    const { root, dir } = tree([]);
    expect(await ours(['-b', root, VERSION])).toEqual({
      status: 0, stdout: '', stderr: warning(dir, 'modules.order') + warning(dir, 'modules.builtin') + warning(dir, 'modules.builtin.modinfo'),
    });
    expect(readFileSync(`${dir}/modules.dep`, 'latin1')).toContain('kernel/demo_chardev.ko: kernel/demo_lib.ko\n');
  });

  test('-n writes no index, so only modules.order is missed', async () => {
    const { root, dir } = tree([]);
    const shown = await ours(['-n', '-b', root, VERSION]);
    expect(shown.stderr).toBe(warning(dir, 'modules.order'));
    expect(shown.stdout).toContain('kernel/demo_irq.ko: kernel/demo_lib.ko\n');
  });

  test('each file warns only while it is missing', async () => {
    const withOrder = tree(['modules.order', 'modules.builtin']);
    expect(await ours(['-b', withOrder.root, VERSION])).toMatchObject({ status: 0, stderr: warning(withOrder.dir, 'modules.builtin.modinfo') });
    const complete = tree(['modules.order', 'modules.builtin', 'modules.builtin.modinfo']);
    expect(await ours(['-b', complete.root, VERSION])).toMatchObject({ status: 0, stderr: '' });
  });

  test('the modules.order warning comes before a module that cannot be read', async () => {
    const { root, dir } = tree(['bad.ko', 'modules.builtin', 'modules.builtin.modinfo']);
    const lines = (await ours(['-b', root, VERSION])).stderr.split('\n');
    expect(lines[0]).toBe(warning(dir, 'modules.order').trimEnd());
    expect(lines[1]).toMatch(/^depmod: ERROR: failed to load symbols from .*\/kernel\/bad\.ko: /);
  });
});

describe('depmod -A (--quick) on a tree lacking files', () => {
  test('no modules.dep: kmod\'s fstatat ERROR, then the whole run and its warnings', async () => {
    const { root, dir } = tree([]);
    expect(await ours(['-A', '-b', root, VERSION])).toEqual({
      status: 0,
      stdout: '',
      stderr: `depmod: ERROR: could not fstatat(${dir}, modules.dep): No such file or directory\n` +
        warning(dir, 'modules.order') + warning(dir, 'modules.builtin') + warning(dir, 'modules.builtin.modinfo'),
    });
    expect(readFileSync(`${dir}/modules.dep`, 'latin1')).toContain('kernel/demo_lib.ko:\n');
  });

  test('modules.dep newer than every module: nothing to do, nothing said; a newer module: the whole run', async () => {
    const { root, dir } = tree(['modules.dep']);
    const past = new Date('2020-01-01T00:00:00Z');
    for (const name of ['demo_lib', 'demo_chardev', 'demo_fs', 'demo_irq']) utimesSync(`${dir}/kernel/${name}.ko`, past, past);
    expect(await ours(['-A', '-b', root, VERSION])).toEqual({ status: 0, stdout: '', stderr: '' });
    expect(statSync(`${dir}/modules.dep`).size).toBe(0);
    const future = new Date(Date.now() + 3_600_000);
    utimesSync(`${dir}/kernel/demo_fs.ko`, future, future);
    expect((await ours(['-A', '-b', root, VERSION])).stderr).toBe(warning(dir, 'modules.order') + warning(dir, 'modules.builtin') + warning(dir, 'modules.builtin.modinfo'));
    expect(statSync(`${dir}/modules.dep`).size).toBeGreaterThan(0);
  });

  test('-A -n does nothing at all; a missing version directory is named twice, then FATAL', async () => {
    const { root, dir } = tree([]);
    expect(await ours(['-A', '-n', '-b', root, VERSION])).toEqual({ status: 0, stdout: '', stderr: '' });
    expect(existsSync(`${dir}/modules.dep`)).toBe(false);
    const missing = `${root}/lib/modules/9.9.9`;
    const opened = `depmod: ERROR: could not open directory ${missing}: No such file or directory\n`;
    expect(await ours(['-A', '-b', root, '9.9.9'])).toEqual({ status: 1, stdout: '', stderr: `${opened}${opened}depmod: FATAL: could not search modules: No such file or directory\n` });
  });
});

describe.skipIf(skipWithout("kmod's depmod (apt-get install kmod)", existsSync(KMOD_DEPMOD)))('the same trees under kmod\'s depmod', () => {
  const cases: { extras: Extra[]; args: string[] }[] = [
    { extras: [], args: [] },
    { extras: [], args: ['-n'] },
    { extras: ['modules.order'], args: [] },
    { extras: ['modules.builtin.modinfo'], args: [] },
    { extras: ['modules.order', 'modules.builtin', 'modules.builtin.modinfo'], args: [] },
    { extras: [], args: ['-A'] },
    { extras: [], args: ['-A', '-n'] },
    { extras: [], args: ['-e'] },
  ];
  test.each(cases)('extras $extras, args $args: the same stderr and exit status', async ({ extras, args }) => {
    const [mine, theirs] = [tree(extras), tree(extras)];
    const kmod = spawnSync(KMOD_DEPMOD, [...args, '-b', theirs.root, VERSION], { encoding: 'latin1' });
    const result = await ours([...args, '-b', mine.root, VERSION]);
    expect(result.status).toBe(kmod.status);
    expect(result.stderr).toBe(kmod.stderr.replaceAll(theirs.root, mine.root));
  });
});
