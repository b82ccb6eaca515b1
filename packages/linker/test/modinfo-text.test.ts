import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, test } from 'vitest';
import { skipWithout } from '@kmodsim/vitest-config/real-data';
import { modinfoValue, readModuleImage, summarizeModuleFile, summarizeModuleImage } from '@kmodsim/linker';
import { findKernelTree } from './kernel-tree.js';
import { fixtureBytes } from './fixtures.js';

// .modinfo strings are UTF-8, as the C sources that define them are: they read as modinfo(8)
// prints them, not byte by byte as Latin-1 ("MÃ¡tÃ©" for "Máté").

const tree = findKernelTree();

/**
 * kmod's modinfo(8), by its full path: under pnpm, PATH starts with the workspace's own
 * `modinfo`, which is built on this package and so cannot be its reference.
 */
const kmodModinfo = ['/usr/sbin/modinfo', '/sbin/modinfo', '/usr/bin/modinfo', '/bin/modinfo'].find((path) => existsSync(path)) ?? 'modinfo';

/** kmod's value of one field, the reference the linker must agree with. */
const realModinfo = (file: string, field: string): string => execFileSync(kmodModinfo, ['-F', field, file]).toString('utf8').trimEnd();

/** demo_lib.ko with its author rewritten in place: "kmodsim" becomes UTF-8 "Máté" and a NUL. */
function withUtf8Author(): Uint8Array {
  const bytes = Buffer.from(fixtureBytes('demo_lib.ko'));
  const at = bytes.indexOf('author=kmodsim\0');
  expect(at).toBeGreaterThan(0);
  Buffer.from('author=Máté\0\0', 'utf8').copy(bytes, at);
  return bytes;
}

describe('modinfo text is UTF-8', () => {
  test('a non-ASCII author reads as modinfo(8) prints it, through every reader', () => {
    const bytes = withUtf8Author();
    const file = `${mkdtempSync(`${tmpdir()}/kmodsim-modinfo-`)}/demo_lib.ko`;
    writeFileSync(file, bytes);
    const image = readModuleImage(file, bytes);
    if (!image.ok) throw new Error(image.message);
    expect(modinfoValue(image.value.modinfo, 'author')).toBe('Máté');
    expect(realModinfo(file, 'author')).toBe('Máté');
    const fromFile = summarizeModuleFile(file);
    const fromImage = summarizeModuleImage(file, bytes);
    if (!fromFile.ok || !fromImage.ok) throw new Error('summary refused');
    expect(modinfoValue(fromFile.value.modinfo, 'author')).toBe('Máté');
    expect(fromImage.value.modinfo).toEqual(image.value.modinfo);
  });

  test.skipIf(skipWithout('the Debian kernel tree (bash scripts/fetch-kernel-tree.sh)', tree !== undefined))(
    'Debian modules with UTF-8 authors and descriptions read as modinfo(8) prints them',
    () => {
      const moduleDir = tree?.moduleDir ?? '';
      const cases = [
        [`${moduleDir}/kernel/net/netfilter/nft_socket.ko`, 'author', 'Máté Eckl'],
        [`${moduleDir}/kernel/crypto/nhpoly1305.ko`, 'description', undefined],
      ] as const;
      for (const [file, field, expected] of cases) {
        const image = readModuleImage(file, readFileSync(file));
        if (!image.ok) throw new Error(image.message);
        const value = modinfoValue(image.value.modinfo, field);
        expect(value, file).toBe(realModinfo(file, field));
        if (expected !== undefined) expect(value).toBe(expected);
        expect(value).not.toMatch(/Ã|Î/);
      }
    },
  );
});
