import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { checkMachineDir, makeDirectories, openMachine, parseDurationMs, temporaryPathFor } from '../src/index.js';
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

test('a command that opens a machine while a reboot holds its lock waits for the reboot, not calling the machine missing', async () => {
  // What rmmod, modprobe, modinfo and insmod see while `kmodsim boot --reboot` runs: the lock of a
  // running boot, and no machine.json (the reboot clears the old machine before it writes the new).
  // The stand-in boot is another process, which puts machine.json back and lets go when it ends.
  const dir = newMachineDir();
  await boot(dir);
  const config = join(dir, 'machine.json');
  const aside = `${dir}.json`;
  renameSync(config, aside);
  const rebooting = spawn(process.execPath, ['-e', [
    "const fs = require('node:fs');",
    `fs.writeFileSync(${JSON.stringify(join(dir, 'lock'))}, process.pid + '\\n' + require('node:os').hostname() + '\\nkmodsim boot --reboot\\n');`,
    "process.stdout.write('locked\\n');",
    `setTimeout(() => { fs.renameSync(${JSON.stringify(aside)}, ${JSON.stringify(config)}); fs.unlinkSync(${JSON.stringify(join(dir, 'lock'))}); }, 300);`,
  ].join('\n')], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((resolve) => { rebooting.stdout.once('data', resolve); });
  const opened = openMachine(dir);
  expect(opened.ok).toBe(true);
  expect(checkMachineDir(dir)).toBeUndefined();
});
