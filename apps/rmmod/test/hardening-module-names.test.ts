import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { fixtures, newMachineDir, tool } from './machine-harness.js';

// A module whose own name rmmod could not give back ('-' read as '_', a trailing .ko read as a
// file, whitespace, control characters that forge lsmod lines or reach the terminal) is refused
// at load with EINVAL, as the '/' of issue 21's finding 11 was.

/** demo_lib.ko with its .modinfo name (8 bytes) replaced by another of the same length. */
function renamed(name: string, dir: string): string {
  const bytes = readFileSync(join(fixtures, 'demo_lib.ko'));
  const from = Buffer.from('name=demo_lib\0');
  const at = bytes.indexOf(from);
  expect(at).toBeGreaterThan(0);
  Buffer.from(`name=${name}\0`).copy(bytes, at);
  const file = join(dir, '..', 'renamed.ko');
  writeFileSync(file, bytes);
  return file;
}

describe('module names rmmod cannot remove are refused at load', () => {
  test.each(['demo-lib', 'demo lib', 'demo\nlib', 'demo\x1blib', 'demol.ko', 'demo\tlib'])('%j', async (name) => {
    const dir = newMachineDir();
    const t = tool(dir);
    expect((await t.run('kmodsim', ['boot'])).status).toBe(0);
    const file = renamed(name, dir);
    const ran = await t.run('insmod', [file]);
    expect(ran).toEqual({ status: 1, stdout: '', stderr: `insmod: ERROR: could not insert module ${file}: Invalid parameters\n` });
    expect((await t.run('lsmod', [])).stdout).toBe('Module                  Size  Used by\n');
  });
});
