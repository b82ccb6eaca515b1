import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
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
    const start = performance.now();
    const ran = await runTool(main, [file]);
    expect(ran).toEqual({ status: 1, stdout: `filename:       ${file}\n`, stderr: "modinfo: ERROR: could not get modinfo from 'names': Cannot allocate memory\n" });
    expect(performance.now() - start).toBeLessThan(1000);
  });
});
