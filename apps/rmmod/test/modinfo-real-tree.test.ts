import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { skipWithout } from '@kmodsim/vitest-config/real-data';
import { runTool, type Ran } from './run-tool.js';
import { main } from '../src/cli/modinfo.js';

// Our modinfo against kmod's on every module of a real Debian tree: the same bytes, signature
// fields included. Skips only when the tree (scripts/fetch-kernel-tree.sh) or kmod is absent.

const KMOD_MODINFO = '/usr/sbin/modinfo';
const treesDir = fileURLToPath(new URL('../../../kernel-trees/', import.meta.url));
const version = existsSync(treesDir) ? readdirSync(treesDir).find((v) => existsSync(`${treesDir}${v}/.complete`)) : undefined;
const moduleDir = `${treesDir}${version ?? ''}/lib/modules/${version ?? ''}`;

const ours = (argv: readonly string[]): Promise<Ran> => runTool(main, argv);

describe.skipIf(skipWithout("kmod's modinfo and " + 'the Debian kernel tree (bash scripts/fetch-kernel-tree.sh)', version !== undefined && existsSync(KMOD_MODINFO)))('modinfo on a real Debian tree', () => {
  // modinfo text is UTF-8 (authors' names, descriptions): both outputs are read as UTF-8.
  // Every module of the tree, in four quarters so that each test takes a few seconds.
  const QUARTERS = 4;
  test.each(Array.from({ length: QUARTERS }, (_, quarter) => quarter))('prints every module exactly as kmod modinfo does (quarter %i of the tree)', async (quarter) => {
    const all = execFileSync('find', [moduleDir, '-name', '*.ko']).toString().trim().split('\n').sort();
    const size = Math.ceil(all.length / QUARTERS);
    const files = all.slice(quarter * size, (quarter + 1) * size);
    const kmod = execFileSync(KMOD_MODINFO, files, { maxBuffer: 1 << 30 }).toString('utf8');
    const result = await ours(files);
    expect(result.status).toBe(0);
    expect(result.stdout === kmod).toBe(true);
  });

  test.each([
    [['-F', 'alias', '-0']],
    [['-p']],
    [['-F', 'signature']],
    [['-0']],
    [['-n']],
    [['-F', 'depends']],
  ])('modinfo %j equals kmod on modules with parameters and aliases', async (options) => {
    const files = ['kernel/sound/pci/hda/snd-hda-intel.ko', 'kernel/fs/ext4/ext4.ko', 'kernel/drivers/usb/storage/usb-storage.ko'].map((f) => `${moduleDir}/${f}`);
    const kmod = execFileSync(KMOD_MODINFO, [...options, ...files]).toString('utf8');
    expect((await ours([...options, ...files])).stdout).toBe(kmod);
  });
});

describe('modinfo errors, in kmod words', () => {
  test('a missing module name is an error with exit status 1', async () => {
    const result = await ours(['-k', '0.0.0-none', 'no_such_module']);
    expect(result).toEqual({ status: 1, stdout: '', stderr: 'modinfo: ERROR: Module no_such_module not found.\n' });
  });

  test('an option it does not know is refused as getopt refuses it', async () => {
    const result = await ours(['-Z', 'x']);
    expect(result).toEqual({ status: 1, stdout: '', stderr: "modinfo: invalid option -- 'Z'\n" });
  });

  test('no operand at all', async () => {
    expect(await ours([])).toEqual({ status: 1, stdout: '', stderr: 'modinfo: ERROR: missing module or filename.\n' });
  });
});
