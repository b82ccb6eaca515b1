import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { lookAtMachine, readFreshSnapshot, readOwnFile } from '../src/index.js';
import { boot, BOOT_WALL_MS, newMachineDir } from './machine.js';

// Reading a machine's own files, and what each failure is: cpu's Failure (an errno and a
// message) with its kind beside it, whether the file is the journal, the lock or the snapshot.

const scratch = (): string => mkdtempSync(join(tmpdir(), 'kmodsim-file-test-'));

describe('readOwnFile', () => {
  test('a regular file is read; a missing one is an answer, not a failure', () => {
    const dir = scratch();
    writeFileSync(join(dir, 'journal'), 'line\n');
    const read = readOwnFile(join(dir, 'journal'), 100);
    expect(read.ok && read.value.kind === 'read' ? read.value.bytes.toString() : read).toBe('line\n');
    expect(readOwnFile(join(dir, 'missing'), 100)).toEqual({ ok: true, value: { kind: 'missing' } });
  });

  test('what kmodsim does not keep is refused: a link (ELOOP), a directory (EINVAL), a file over the limit (EFBIG)', () => {
    const dir = scratch();
    writeFileSync(join(dir, 'notes.txt'), 'the user\'s own');
    symlinkSync(join(dir, 'notes.txt'), join(dir, 'journal'));
    expect(readOwnFile(join(dir, 'journal'), 100)).toMatchObject({ ok: false, kind: 'refused', errno: 'ELOOP', message: expect.stringContaining('symbolic link') as string });
    expect(readOwnFile(dir, 100)).toEqual({ ok: false, kind: 'refused', errno: 'EINVAL', message: 'it is a directory, not a regular file' });
    expect(readOwnFile(join(dir, 'notes.txt'), 4)).toEqual({ ok: false, kind: 'refused', errno: 'EFBIG', message: 'it is 14 bytes, more than the 4-byte limit' });
    // A tool that reads the user's own path follows the link.
    expect(readOwnFile(join(dir, 'journal'), 100, true)).toMatchObject({ ok: true, value: { kind: 'read' } });
  });
});

test('a damaged snapshot is an EIO failure, and the machine is rebuilt from the journal with its message', async () => {
  const dir = newMachineDir();
  await boot(dir);
  writeFileSync(join(dir, 'snapshot.json'), '00000000\n{}');
  expect(readFreshSnapshot(join(dir, 'snapshot.json'), join(dir, 'journal'), BOOT_WALL_MS)).toEqual({ ok: false, errno: 'EIO', message: 'checksum mismatch', kind: 'damaged' });
  const look = await lookAtMachine(dir, BOOT_WALL_MS);
  expect(look.ok && look.value.rebuiltDamaged).toBe('checksum mismatch');
});
