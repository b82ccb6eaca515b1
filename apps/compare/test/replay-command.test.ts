import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { main } from '../src/cli.js';

// The replay command under a counterexample must run when pasted where check was run from.

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));

async function replayLineFor(env: Record<string, string>): Promise<string> {
  const out: string[] = [];
  const io = { stdout: { write: (text: string) => out.push(text) }, stderr: { write: () => 0 }, env, cwd: fixtures };
  expect(await main(['check', '--strategy', './racy-atomic.mjs', '--scenario', 'unload-vs-get', '--preemptions', '2'], io)).toBe(1);
  const line = /replay: (.*)$/m.exec(out.join(''))?.[1];
  if (line === undefined) expect.fail(`no replay line in: ${out.join('')}`);
  return line;
}

describe('the replay command of a counterexample', () => {
  test('started with pnpm exec, it says pnpm exec (the binary is not on the PATH of the shell)', async () => {
    const line = await replayLineFor({ npm_command: 'exec', npm_config_user_agent: 'pnpm/10.34.9 npm/? node/v20.20.2 linux x64' });
    expect(line).toMatch(/^pnpm exec kmodsim-compare check --strategy \.\/racy-atomic\.mjs --scenario unload-vs-get --replay 'kms1:/);
  });

  test('started directly, it names the binary alone', async () => {
    expect(await replayLineFor({})).toMatch(/^kmodsim-compare check --strategy/);
  });
});
