import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { main } from '../src/cli.js';

// The worked examples of the strategy author's guide (packages/refcount/README.md) run verbatim
// from the repository root, through the real `kmodsim-compare check`, in process. One cheap
// scenario each: the full suite is the guide's own command.

const root = fileURLToPath(new URL('../../../', import.meta.url));

async function check(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io = { stdout: { write: (text: string) => (stdout += text) }, stderr: { write: (text: string) => (stderr += text) }, env: {}, cwd: root };
  const code = await main(['check', ...args], io);
  return { code, stdout, stderr };
}

describe('the example strategies in examples/strategies', () => {
  test('locked-tryget.mjs, a correct design, is clean where interrupts take and drop references', async () => {
    const result = await check('--strategy', './examples/strategies/locked-tryget.mjs', '--scenario', 'irq-get-put');
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/^locked-tryget\s+irq-get-put\s+CLEAN\s+\d+\s+exhausted within 1 preemptions, 1 interrupts/m);
    expect(result.stdout).toMatch(/^1 pair: 1 clean, 0 expected, 0 unexpected, 0 n\/a;/m);
    expect(result.code).toBe(0);
  });

  test('leaky-tryget.mjs shows the violation it declares, as EXPECTED, and the check passes', async () => {
    const result = await check('--strategy', './examples/strategies/leaky-tryget.mjs', '--scenario', 'refused-open-while-waiting');
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/^leaky-tryget\s+refused-open-while-waiting\s+EXPECTED\s+\d+\s+sleeps-forever: .*; known: the refused second open leaks a reference/m);
    expect(result.stdout).toMatch(/^1 pair: 0 clean, 1 expected, 0 unexpected, 0 n\/a;/m);
    expect(result.code).toBe(0);
  });
});
