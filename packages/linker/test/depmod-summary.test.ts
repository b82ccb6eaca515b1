import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { execFileSync } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import { skipWithout } from '@kmodsim/vitest-config/real-data';
import type { Result } from '@kmodsim/cpu';
import { readElf, summarizeModule, summarizeModuleFile, summarizeModuleImage, type LinkerFailure, type ModuleSummary } from '@kmodsim/linker';
import { findKernelTree } from './kernel-tree.js';
import { fixtureBytes, fixturesDir } from './fixtures.js';
import { mutate, prng } from '../fuzz/mutate.js';

// depmod reads each module through summarizeModuleFile, which fetches only the sections it needs
// and scans the symbol table as bytes. Its answer must be summarizeModule's over the whole
// ElfFile: the same summary for a good module, a refusal for every object ElfFile refuses.

const tree = findKernelTree();

const outcome = (result: Result<ModuleSummary, LinkerFailure>): ModuleSummary | string => (result.ok ? result.value : result.errno);

describe.skipIf(skipWithout('the Debian kernel tree (bash scripts/fetch-kernel-tree.sh)', tree !== undefined))('on the real Debian tree', () => {
  test('every module summarises as summarizeModule reads it from the whole file', () => {
    const files = execFileSync('find', [tree?.moduleDir ?? '', '-name', '*.ko']).toString().trim().split('\n');
    expect(files.length).toBeGreaterThan(1000);
    for (const file of files) {
      const whole = readElf(file, readFileSync(file), summarizeModule);
      const partial = summarizeModuleFile(file);
      if (!partial.ok) throw new Error(`${file}: ${partial.message}`);
      expect(outcome(partial), file).toEqual(outcome(whole));
    }
  });
});

describe('on the fixtures', () => {
  test.each(['demo_lib.ko.xz', 'demo_lib.ko.zst', 'demo_lib.ko.gz'])('%s summarises as the plain object does', (file) => {
    const plain = summarizeModuleFile(`${fixturesDir}demo_lib.ko`);
    expect(plain.ok && plain.value.exports.length).toBeGreaterThan(0);
    expect(outcome(summarizeModuleFile(`${fixturesDir}${file}`))).toEqual(outcome(plain));
  });

  test('a missing file or corrupt compressed data is EIO; a non-ELF file ENOEXEC', () => {
    const dir = mkdtempSync(`${tmpdir()}/kmodsim-summary-`);
    writeFileSync(`${dir}/bad.ko.xz`, new Uint8Array([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 1, 2, 3, 4]));
    writeFileSync(`${dir}/text.ko`, 'not an object file, just text long enough for a header........................');
    expect(summarizeModuleFile(`${dir}/missing.ko`)).toMatchObject({ ok: false, errno: 'EIO' });
    expect(summarizeModuleFile(`${dir}/bad.ko.xz`)).toMatchObject({ ok: false, errno: 'EIO' });
    expect(summarizeModuleFile(`${dir}/text.ko`)).toMatchObject({ ok: false, errno: 'ENOEXEC', message: 'not an ELF file (bad magic)' });
  });

  test('fuzz: 3000 mutated objects get summarizeModule\'s answer, refusal or summary (seed 20240602)', () => {
    const seed = 20240602;
    const random = prng(seed);
    const sources = ['demo_lib.ko', 'demo_irq.ko', 'demo_chardev.ko', 'stale_crc.ko'].map((f) => new Uint8Array(fixtureBytes(f)));
    const dir = mkdtempSync(`${tmpdir()}/kmodsim-summary-fuzz-`);
    let refused = 0;
    for (let round = 0; round < 3000; round++) {
      const bytes = mutate(sources[round % sources.length]!, random);
      const expected = outcome(readElf('fuzz.ko', bytes, summarizeModule));
      if (typeof expected === 'string') refused++;
      expect(outcome(summarizeModuleImage('fuzz.ko', bytes)), `seed ${seed} round ${round}`).toEqual(expected);
      if (round % 10 === 0) {
        writeFileSync(`${dir}/fuzz.ko`, bytes);
        expect(outcome(summarizeModuleFile(`${dir}/fuzz.ko`)), `seed ${seed} round ${round} (file)`).toEqual(expected);
      }
    }
    expect(refused).toBeGreaterThan(100);
    expect(refused).toBeLessThan(2900);
  });
});
