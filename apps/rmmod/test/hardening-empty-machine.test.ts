import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { fixtures, newMachineDir, tool, type ToolName } from './machine-harness.js';

// `-M "$DIR"` with DIR unset is a mistake, never a request for the default machine: every tool
// that takes --machine says so (exit 2) and touches no machine, even $KMODSIM_MACHINE's.

const RUNS: readonly (readonly [ToolName, readonly string[]])[] = [
  ['kmodsim', ['boot', '--reboot', '-M', '']],
  ['kmodsim', ['boot', '--reboot', '--machine=']],
  ['kmodsim', ['ps', '-M', '']],
  ['lsmod', ['-M', '']],
  ['lsmod', ['--machine=']],
  ['insmod', ['-M', '', join(fixtures, 'demo_chardev.ko')]],
  ['rmmod', ['-M', '', 'demo_lib']],
  ['modprobe', ['-M', '', 'demo_fs']],
  ['modinfo', ['-M', '', 'demo_lib']],
];

describe('an empty --machine', () => {
  test.each(RUNS)('%s %j is a usage error, and the default machine is untouched', async (bin, args) => {
    const dir = newMachineDir();
    const t = tool(dir);
    expect((await t.run('kmodsim', ['boot'])).status).toBe(0);
    expect((await t.run('insmod', [join(fixtures, 'demo_lib.ko')])).status).toBe(0);
    const before = readdirSync(dir).sort();
    const ran = await t.run(bin, args);
    expect(ran.stderr).toMatch(/: ERROR: --machine needs a directory, and '' names none \(an unset variable\?\); nothing was done\n$/);
    expect(ran.status).toBe(2);
    expect(readdirSync(dir).sort()).toEqual(before);
    expect((await t.run('lsmod', [])).stdout).toMatch(/^demo_lib /m);
  });
});
