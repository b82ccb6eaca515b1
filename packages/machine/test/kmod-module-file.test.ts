import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { EMBEDDED_RELEASE, readModuleFile, runCommand } from '../src/index.js';
import { BOOT_WALL_MS, boot, newMachineDir } from './machine.js';

// A module file read for insmod and modprobe as user space reads it before init_module, and
// kept in the machine; a failure says at which stage it failed, for the tools' two messages.

describe('readModuleFile', () => {
  test('a module on this host, or under the machine\'s own root, is read, and kept in the machine by content by the command that loads it', async () => {
    const dir = newMachineDir();
    await boot(dir);
    const inMachine = `/lib/modules/${EMBEDDED_RELEASE}/kernel/demo/demo_lib.ko`;
    const read = await readModuleFile(inMachine, dir);
    if (!read.ok) expect.fail(read.message);
    expect(read.value.ref).toMatchObject({ name: 'demo_lib', file: inMachine });
    expect(existsSync(join(dir, 'images'))).toBe(false);
    const command = { kind: 'insmod', tool: 'insmod', images: [read.value.ref], params: [], skipLoaded: false, force: { ignoreVermagic: false, ignoreModversions: false } } as const;
    expect((await runCommand(dir, 'insmod', BOOT_WALL_MS + 1, () => command, [read.value.bytes])).ok).toBe(true);
    expect(readdirSync(join(dir, 'images'))).toEqual([`${read.value.ref.sha256}.ko`]);
  });

  test('a file that cannot be read fails at the read stage, one that is no module at the format stage', async () => {
    const dir = newMachineDir();
    await boot(dir);
    const files = mkdtempSync(join(tmpdir(), 'kmodsim-module-file-test-'));
    writeFileSync(join(files, 'junk.ko'), 'not an ELF file');
    expect(await readModuleFile('/no/such.ko', dir)).toEqual({ ok: false, errno: 'ENOENT', message: 'No such file or directory', stage: 'read' });
    expect(await readModuleFile(files, dir)).toEqual({ ok: false, errno: 'EINVAL', message: 'Invalid argument', stage: 'read' });
    expect(await readModuleFile(join(files, 'junk.ko'), dir)).toMatchObject({ ok: false, errno: 'ENOEXEC', stage: 'format' });
  });
});
