import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { machineFiles, runCommand } from '../src/index.js';
import { BOOT_WALL_MS, boot, insmodEmbedded, newMachineDir } from './machine.js';

// A journal record holds at most 1 MiB (a command's module files and parameters). A command
// whose record would be larger can never be recorded, so it is refused before the machine runs
// it: whatever running it would have done (here: found its module image missing), the user is
// told the record's size, and the machine is left exactly as it was.

const MiB = 1024 * 1024;

test('a command whose journal record would pass 1 MiB is refused before it runs, and nothing changes', async () => {
  const dir = newMachineDir();
  const config = await boot(dir);
  await insmodEmbedded(dir, config, ['demo_lib']);
  const files = machineFiles(dir);
  const before = [readFileSync(files.journal), readFileSync(files.state), readFileSync(files.snapshot)];
  const ghost = { name: 'ghost', file: 'ghost.ko', sha256: '0'.repeat(64) };
  const refused = await runCommand(dir, 'test', BOOT_WALL_MS + 1000, () => ({
    kind: 'insmod', tool: 'insmod', images: [ghost], params: [`x=${'a'.repeat(MiB)}`], skipLoaded: false, force: { ignoreVermagic: false, ignoreModversions: false },
  }));
  expect(refused).toMatchObject({ ok: false, errno: 'EFBIG', kind: 'refused' });
  expect(refused.ok ? '' : refused.message).toMatch(/: the command's journal record would be \d+ bytes, more than the 1048576-byte limit; nothing was recorded$/);
  expect([readFileSync(files.journal), readFileSync(files.state), readFileSync(files.snapshot)]).toEqual(before);
});
