import { fileURLToPath } from 'node:url';
import { testIo } from '@kmodsim/cli';
import { describe, expect, test } from 'vitest';
import { main } from '../src/cli.js';

// check's numeric options as a careless or hostile user writes them: a number is decimal digits,
// as getopt's users expect of strtoul with base 10; anything else is a one-line usage error, exit
// 2, before any thread starts or any search runs.

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));

describe("check's numbers", () => {
  test.each([
    ['--workers', '1e1'],
    ['--workers', '0x2'],
    ['--workers', ' 2'],
    ['--workers', '2.0'],
    ['--workers', '+2'],
    ['--workers', '0'],
    ['--workers', '65'],
    ['--preemptions', '1e0'],
    ['--max-executions', '1_000'],
  ])('%s %j is a one-line usage error, exit 2', async (option, value) => {
    const io = testIo({ cwd: fixtures });
    const code = await main(['check', '--strategy', 'global-spinlock', '--scenario', 'irq-get-put', option, value], io);
    expect(code).toBe(2);
    expect(io.stderrText()).toMatch(new RegExp(`^kmodsim-compare: ${option} must be a whole number from \\d+ to \\d+, got '${value.replace(/[+.]/g, '\\$&')}'\\n$`));
    expect(io.stdoutText()).toBe('');
  });
});
