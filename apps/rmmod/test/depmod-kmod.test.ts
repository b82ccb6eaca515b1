import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { skipWithout } from '@kmodsim/vitest-config/real-data';
import { runTool, type Ran } from './run-tool.js';
import { main } from '../src/cli/depmod.js';

// Our depmod against kmod's on the same trees: a real Debian tree (skipped only when
// scripts/fetch-kernel-tree.sh has not fetched it) and a tree of the linker's fixture modules.

const KMOD_DEPMOD = '/usr/sbin/depmod';
const hasKmod = existsSync(KMOD_DEPMOD);
const treesDir = fileURLToPath(new URL('../../../kernel-trees/', import.meta.url));
const fixturesDir = fileURLToPath(new URL('../../../packages/linker/fixtures/modules/', import.meta.url));
const version = existsSync(treesDir) ? readdirSync(treesDir).find((v) => existsSync(`${treesDir}${v}/.complete`)) : undefined;
const realRoot = `${treesDir}${version ?? ''}`;
const TEXT_FILES = ['modules.dep', 'modules.alias', 'modules.softdep', 'modules.symbols', 'modules.devname'];

const ours = (argv: readonly string[]): Promise<Ran> => runTool(main, argv);

function kmod(argv: readonly string[]): { status: number; stdout: string; stderr: string } {
  const result = spawnSync(KMOD_DEPMOD, argv, { encoding: 'latin1', maxBuffer: 1 << 30 });
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

describe.skipIf(skipWithout("kmod's depmod and " + 'the Debian kernel tree (bash scripts/fetch-kernel-tree.sh)', version !== undefined && hasKmod))('depmod on a real Debian tree', () => {
  test('-n prints exactly what kmod depmod -n prints', async () => {
    const args = ['-n', '-b', realRoot, version ?? ''];
    expect((await ours(args)).stdout === kmod(args).stdout).toBe(true);
  });

  test('-e -E Module.symvers: same files, same (absent) complaints', async () => {
    const args = ['-n', '-e', '-E', `${realRoot}/Module.symvers`, '-b', realRoot, version ?? ''];
    const [mine, theirs] = [await ours(args), kmod(args)];
    expect(mine.stdout === theirs.stdout).toBe(true);
    expect(mine.stderr).toBe(theirs.stderr);
  });

  test('-e -F System.map: every unknown-symbol warning kmod prints, in its order', async () => {
    const args = ['-n', '-e', '-F', `${realRoot}/boot/System.map-${version ?? ''}`, '-b', realRoot, version ?? ''];
    const [mine, theirs] = [await ours(args), kmod(args)];
    expect(mine.stderr.length).toBeGreaterThan(0);
    expect(mine.stderr === theirs.stderr).toBe(true);
  });
});

function fixtureTree(): string {
  const root = mkdtempSync(`${tmpdir()}/kmodsim-depmod-`);
  const dir = `${root}/lib/modules/6.1.0-kmodsim`;
  mkdirSync(`${dir}/kernel/demo`, { recursive: true });
  mkdirSync(`${dir}/extra`, { recursive: true });
  const modules = ['demo_lib', 'demo_chardev', 'demo_fs', 'demo_irq', 'stale_crc', 'unknown_symbol'];
  for (const name of modules) copyFileSync(`${fixturesDir}${name}.ko`, `${dir}/kernel/demo/${name}.ko`);
  copyFileSync(`${fixturesDir}proprietary_user.ko`, `${dir}/extra/proprietary-user.ko`);
  writeFileSync(`${dir}/modules.order`, modules.slice(0, 4).map((m) => `kernel/demo/${m}.ko\n`).join(''));
  return root;
}

describe.skipIf(skipWithout("kmod's depmod (apt-get install kmod)", hasKmod))('depmod on the fixture modules', () => {
  test('writes the same modules.dep, .alias, .softdep, .symbols and .devname files as kmod', async () => {
    const [mine, theirs] = [fixtureTree(), fixtureTree()];
    expect((await ours(['-b', mine, '6.1.0-kmodsim'])).status).toBe(0);
    expect(kmod(['-b', theirs, '6.1.0-kmodsim']).status).toBe(0);
    for (const file of TEXT_FILES) {
      const path = (root: string) => `${root}/lib/modules/6.1.0-kmodsim/${file}`;
      expect(readFileSync(path(mine), 'latin1'), file).toBe(readFileSync(path(theirs), 'latin1'));
    }
    expect(readFileSync(`${mine}/lib/modules/6.1.0-kmodsim/modules.dep`, 'latin1')).toContain('kernel/demo/demo_irq.ko: kernel/demo/demo_lib.ko\n');
  });

  test('-e -E reports the stale CRC and the unknown symbol as kmod does', async () => {
    const root = fixtureTree();
    const args = ['-n', '-e', '-E', `${fixturesDir}Module.symvers`, '-b', root, '6.1.0-kmodsim'];
    const [mine, theirs] = [await ours(args), kmod(args)];
    expect(mine.stderr).toBe(theirs.stderr);
    expect(mine.stderr).toContain('stale_crc.ko disagrees about version of symbol demo_lib_counter_read');
    expect(mine.stderr).toContain('unknown_symbol.ko needs unknown symbol demo_lib_does_not_exist');
  });
});

describe('depmod errors, in kmod words', () => {
  test('a missing Module.symvers is fatal', async () => {
    const result = await ours(['-E', '/nonexistent/Module.symvers', '-b', '/nonexistent', '1.0']);
    expect(result).toEqual({ status: 1, stdout: '', stderr: 'depmod: FATAL: could not load /nonexistent/Module.symvers: No such file or directory\n' });
  });

  test('a version that is not one', async () => {
    expect(await ours(['banana'])).toEqual({ status: 1, stdout: '', stderr: 'depmod: ERROR: Bad version passed banana\n' });
  });
});

test.skipIf(skipWithout("kmod's depmod (apt-get install kmod)", hasKmod))('kmod is the one in /usr/sbin (the comparisons above are against it)', () => {
  expect(execFileSync(KMOD_DEPMOD, ['--version']).toString()).toMatch(/^kmod version \d+/);
});
