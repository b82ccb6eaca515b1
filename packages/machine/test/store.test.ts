import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { makeDirectories, parseDurationMs, temporaryPathFor } from '../src/index.js';
import { boot, newMachineDir } from './machine.js';

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

test('a boot of a fresh directory where another boot is taking the lock waits for it, not calling its lock temporary someone else\'s file', async () => {
  // What a second `kmodsim boot` sees in the instant the first has written its lock's temporary
  // and not yet linked it into place (found by two boots at once on a loaded machine).
  const dir = newMachineDir();
  mkdirSync(dir);
  writeFileSync(temporaryPathFor(join(dir, 'lock')), `${process.pid}\n${hostname()}\nkmodsim boot\n`);
  await boot(dir);
  expect(existsSync(join(dir, 'machine.json'))).toBe(true);
});
