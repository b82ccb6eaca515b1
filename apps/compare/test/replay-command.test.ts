import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, test } from 'vitest';
import { main } from '../src/cli.js';

// The replay command under a counterexample must run when pasted into the user's shell, as
// printed, from any directory: the program started the way check was, the strategy file by its
// absolute path, every word quoted for the shell.

const run = promisify(execFile);
const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
const bin = fileURLToPath(new URL('../bin/kmodsim-compare.js', import.meta.url));
const RACY = ['--strategy', './racy-atomic.mjs', '--scenario', 'unload-vs-get', '--preemptions', '2'];
const elsewhere = mkdtempSync(join(tmpdir(), 'kmodsim-replay-'));
/** The shell's PATH: node, and the system's tools; not pnpm's node_modules/.bin. */
const shellPath = `${dirname(process.execPath)}:/usr/bin:/bin`;

afterAll(() => { rmSync(elsewhere, { recursive: true, force: true }); });

function replayOf(stdout: string): string {
  const line = /replay: (.*)$/m.exec(stdout)?.[1];
  if (line === undefined) expect.fail(`no replay line in: ${stdout}`);
  return line;
}

async function replayLineFor(env: Record<string, string>, script?: string, args = RACY, cwd = fixtures): Promise<string> {
  const out: string[] = [];
  const io = { stdout: { write: (text: string) => out.push(text) }, stderr: { write: () => 0 }, env, cwd, ...(script === undefined ? {} : { script }) };
  await main(['check', ...args], io);
  return replayOf(out.join(''));
}

/** The command pasted into sh, from a directory that is neither the repository nor where check ran. */
async function pasted(command: string, path = shellPath): Promise<{ code: number; stdout: string }> {
  try {
    const { stdout } = await run('/bin/sh', ['-c', command], { cwd: elsewhere, env: { PATH: path }, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: `${failed.stdout}${failed.stderr}` };
  }
}

/** A replay that ran: the counterexample reproduced (exit 1, its fault at the end), not "command not found" or a missing module. */
function expectReproduced(result: { code: number; stdout: string }): void {
  expect(result.stdout).toContain('# tracer: nop');
  expect(result.stdout).toMatch(/# (use-after-free|call-into-freed-code): /);
  expect(result.code).toBe(1);
}

describe('the replay command of a counterexample', () => {
  test('started with pnpm exec, it says pnpm exec (the binary is on pnpm\'s PATH, not the shell\'s), and names the file by its absolute path', async () => {
    const line = await replayLineFor({ npm_command: 'exec', npm_config_user_agent: 'pnpm/10.34.9 npm/? node/v20.20.2 linux x64' });
    expect(line).toMatch(/^pnpm exec kmodsim-compare check --strategy \/\S+\/fixtures\/racy-atomic\.mjs --scenario unload-vs-get --replay 'kms1:/);
  });

  test('run as node SCRIPT, it says node and the script\'s absolute path: pasted from another directory, it runs and reproduces', async () => {
    const { stdout } = await run(process.execPath, [bin, 'check', ...RACY], { cwd: fixtures }).catch((error: unknown) => error as { stdout: string });
    const line = replayOf(stdout);
    expect(line.startsWith(`node ${bin} check --strategy ${join(fixtures, 'racy-atomic.mjs')} --scenario unload-vs-get --replay 'kms1:`)).toBe(true);
    expectReproduced(await pasted(line));
  });

  test('run as a command found on the PATH, it names the command: pasted from another directory with that PATH, it runs', async () => {
    const binDir = mkdtempSync(join(elsewhere, 'bin-'));
    symlinkSync(bin, join(binDir, 'kmodsim-compare'));
    const path = `${binDir}:${shellPath}`;
    const { stdout } = await run('kmodsim-compare', ['check', ...RACY], { cwd: fixtures, env: { PATH: path } }).catch((error: unknown) => error as { stdout: string });
    const line = replayOf(stdout);
    expect(line).toMatch(/^kmodsim-compare check --strategy \/\S+\/fixtures\/racy-atomic\.mjs /);
    expectReproduced(await pasted(line, path));
  });

  test('a script of that name that is not the one on the PATH is named by its path', async () => {
    const binDir = mkdtempSync(join(elsewhere, 'other-'));
    symlinkSync(bin, join(binDir, 'kmodsim-compare'));
    const line = await replayLineFor({ PATH: shellPath }, join(binDir, 'kmodsim-compare'));
    expect(line.startsWith(`node ${join(binDir, 'kmodsim-compare')} check `)).toBe(true);
  });

  test('a strategy file whose path holds a space and a quote is one shell word: pasted, it runs', async () => {
    // Inside the clone, so that the file's imports of kmodsim's packages resolve.
    const odd = join(fixtures, `.replay-it's a dir-${process.pid}`);
    mkdirSync(odd, { recursive: true });
    try {
      copyFileSync(join(fixtures, 'racy-atomic.mjs'), join(odd, 'racy atomic.mjs'));
      const line = await replayLineFor({}, bin, ['--strategy', `./${odd.slice(fixtures.length)}/racy atomic.mjs`, ...RACY.slice(2)]);
      expect(line).toContain(`--strategy '${odd.replace(/'/g, "'\\''")}/racy atomic.mjs' --scenario`);
      expectReproduced(await pasted(line));
    } finally {
      rmSync(odd, { recursive: true, force: true });
    }
  });

  test('in-process, with no script to name, it names the binary alone; a built-in strategy by its name', async () => {
    expect(await replayLineFor({})).toMatch(/^kmodsim-compare check --strategy \//);
    expect(await replayLineFor({}, undefined, ['--strategy', 'percpu-naive-sum', '--scenario', 'unload-vs-get'])).toMatch(/^kmodsim-compare check --strategy percpu-naive-sum --scenario/);
  });
});
