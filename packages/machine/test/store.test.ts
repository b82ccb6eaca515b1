import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { makeDirectories, parseDurationMs } from '../src/index.js';

test('makeDirectories creates every missing level, and names the file that stands in the way', () => {
  const base = mkdtempSync(join(tmpdir(), 'kmodsim-machine-test-'));
  expect(makeDirectories(join(base, 'a', 'b', 'c'))).toEqual({ ok: true, value: undefined });
  expect(existsSync(join(base, 'a', 'b', 'c'))).toBe(true);
  writeFileSync(join(base, 'file'), 'mine');
  expect(makeDirectories(join(base, 'file', 'machine'))).toEqual({ ok: false, errno: 'ENOTDIR', message: 'Not a directory', path: join(base, 'file', 'machine') });
});

test('--for takes 1 ms to 24 h; a holder for longer is one started without --for', () => {
  expect([parseDurationMs('1ms'), parseDurationMs('24h'), parseDurationMs('30')]).toEqual([1, 86_400_000, 30_000]);
  expect([parseDurationMs('0'), parseDurationMs('0.0001s'), parseDurationMs('24.001h'), parseDurationMs('1e3')]).toEqual([undefined, undefined, undefined, undefined]);
});
