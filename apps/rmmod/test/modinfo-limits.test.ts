import { execFileSync } from 'node:child_process';
import { mkdtempSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { MAX_MODULE_BYTES } from '@kmodsim/linker';
import { runTool } from './run-tool.js';
import { main } from '../src/cli/modinfo.js';
import { withNamesSharingOneString } from '../../../packages/linker/fuzz/craft.js';

// modinfo on files made to cost more than they hold: refused with one kmod-style line and a
// non-zero status, in a moment, never read whole or decoded name by name.

const dir = mkdtempSync(join(tmpdir(), 'modinfo-limits-'));

describe('modinfo within the linker\'s limits', () => {
  test('4,000 section headers naming one 1 MB string: Cannot allocate memory (was 4 GB of names and a crash)', async () => {
    const file = join(dir, 'names.ko');
    writeFileSync(file, withNamesSharingOneString('sections', 4000, 1_000_000));
    const ran = await runTool(main, [file]);
    expect(ran).toEqual({ status: 1, stdout: `filename:       ${file}\n`, stderr: "modinfo: ERROR: could not get modinfo from 'names': Cannot allocate memory\n" });
  });

  test.each([['1.5 GB', 1500], ['3 GB', 3000]])('a %s sparse file: File too large, from its size alone (was read whole, or ENOENT past 2 GiB)', async (_, mebibytes) => {
    const file = join(dir, `big${mebibytes}.ko`);
    writeFileSync(file, '');
    truncateSync(file, mebibytes * 1024 * 1024);
    const ran = await runTool(main, [file]);
    expect(ran).toEqual({ status: 1, stdout: `filename:       ${file}\n`, stderr: `modinfo: ERROR: could not get modinfo from 'big${mebibytes}': File too large\n` });
    expect(process.memoryUsage().rss).toBeLessThan(1024 * 1024 * 1024);
  });

  test('a FIFO: refused at once, never waited on for a writer', async () => {
    const file = join(dir, 'fifo.ko');
    execFileSync('mkfifo', [file]);
    const ran = await runTool(main, [file]);
    expect(ran.status).toBe(1);
    expect(ran.stderr).toMatch(/^modinfo: ERROR: /);
    expect(ran.stderr.split('\n')).toHaveLength(2);
  });

  test('a file at the limit is read (and refused as no ELF object, ENOEXEC)', async () => {
    const file = join(dir, 'limit.ko');
    writeFileSync(file, '');
    truncateSync(file, MAX_MODULE_BYTES);
    const ran = await runTool(main, [file]);
    expect(ran.stderr).toBe("modinfo: ERROR: could not get modinfo from 'limit': Exec format error\n");
  });
});
