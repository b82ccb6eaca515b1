import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { main as kmodsim } from '../src/cli/kmodsim.js';
import { runTool } from './run-tool.js';

// `kmodsim litmus`: the answer for a kernel litmus test, a witness that replays, and every bad
// input (a syntax error, an unsupported primitive, a model that does not exist) as one line, exit 2.

const kernelTest = (name: string): string => fileURLToPath(new URL(`../../../packages/litmus/litmus-tests/${name}.litmus`, import.meta.url));

function scratch(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'kmodsim-litmus-')), 'bad.litmus');
  writeFileSync(file, text);
  return file;
}

describe('kmodsim litmus', () => {
  test('store buffering is Never under sc, with the executions explored', async () => {
    const ran = await runTool(kmodsim, ['litmus', kernelTest('SB+poonceonces')]);
    expect(ran).toMatchObject({ status: 0, stderr: '' });
    expect(ran.stdout).toMatch(/^Test SB\+poonceonces under sc\nNever \(the file's Result: for LKMM is Sometimes\)\nExecutions \d+ /);
  });

  test('under tso it is Sometimes, with the witness, its schedule and a replay command that reproduces it', async () => {
    const file = kernelTest('SB+poonceonces');
    const ran = await runTool(kmodsim, ['litmus', file, '--model', 'tso', '--trace']);
    expect(ran.status).toBe(0);
    expect(ran.stdout).toContain('Sometimes');
    expect(ran.stdout).toContain('Witness: 0:r0=0; 1:r0=0; x=1; y=1;');
    expect(ran.stdout).toMatch(/CPU 0 +\| CPU 1/);
    const schedule = /--schedule '([^']+)'/.exec(ran.stdout)?.[1] ?? '';
    const replayed = await runTool(kmodsim, ['litmus', file, '--model', 'tso', '--schedule', schedule]);
    expect(replayed).toMatchObject({ status: 0, stderr: '' });
    expect(replayed.stdout).toMatch(/^Final state: 0:r0=0; 1:r0=0; x=1; y=1;\nexists holds\n/);
  });

  test.each([
    [['--model', 'foo'], "kmodsim litmus: ERROR: unknown memory model 'foo' (known: sc, tso, relaxed)"],
    [['--model', 'pso'], "kmodsim litmus: ERROR: unknown memory model 'pso' (known: sc, tso, relaxed)"],
    [['--schedule', 'nonsense'], "kmodsim litmus: ERROR: --schedule 'nonsense':"],
    // A witness found under a weaker model, replayed without it, would only diverge: the line names the --model it needs.
    [['--schedule', 'kms1:list:(0*2,1*2)*2,f0,1,0'], 'kmodsim litmus: ERROR: the schedule has store-buffer flushes (f0), which only a tso or relaxed machine makes: replay it with --model tso\n'],
    [['--model', 'tso', '--schedule', 'kms1:list:0*2,1,f1,s0,0'], 'kmodsim litmus: ERROR: the schedule has loads of older values (s0), which only a relaxed machine makes: replay it with --model relaxed\n'],
    // No model gives this test a CPU 9: the replay says so, rather than naming a model that would fail the same way.
    [['--schedule', 'kms1:list:0,s9,1'], "kmodsim litmus: ERROR: --schedule 'kms1:list:0,s9,1': replay-diverged: the schedule does not fit this run at step 2: CPU 9 has nothing to do\n"],
    [['--model'], "kmodsim litmus: option '--model' requires an argument\nTry 'kmodsim litmus --help' for more information.\n"],
  ])('%j is a usage error in one line, exit 2', async (options, message) => {
    const ran = await runTool(kmodsim, ['litmus', kernelTest('SB+poonceonces'), ...options]);
    expect(ran.status).toBe(2);
    expect(ran.stdout).toBe('');
    // A message that ends the line is the whole of stderr; the others begin its first line.
    if (message.endsWith('\n')) expect(ran.stderr).toBe(message);
    else expect(ran.stderr.split('\n')[0]).toContain(message);
    expect(ran.stderr).not.toMatch(/\n\s+at /);
  });

  test('a syntax error names the file, line, column and the token expected', async () => {
    const file = scratch('C bad\n{}\nP0(int *x)\n{\n\tWRITE_ONCE(*x, 1)\n}\nexists (x=1)\n');
    const ran = await runTool(kmodsim, ['litmus', file]);
    expect(ran).toEqual({ status: 2, stdout: '', stderr: `kmodsim litmus: ERROR: ${file}:6:1: expected ';' after WRITE_ONCE(...), found '}'\n` });
  });

  test('an unsupported primitive is named, with the supported ones', async () => {
    const file = scratch('C bad\n{}\nP0(int *x)\n{\n\tsynchronize_rcu();\n}\nexists (x=1)\n');
    const ran = await runTool(kmodsim, ['litmus', file]);
    expect(ran.status).toBe(2);
    expect(ran.stderr).toMatch(new RegExp(`^kmodsim litmus: ERROR: ${file.replace(/[.+]/g, '\\$&')}:5:2: unsupported primitive 'synchronize_rcu'; supported: READ_ONCE, WRITE_ONCE, .*spin_lock.*\\n$`));
  });

  test('a file that is not there, or none at all', async () => {
    expect(await runTool(kmodsim, ['litmus', '/nonexistent/x.litmus'])).toEqual({ status: 2, stdout: '', stderr: 'kmodsim litmus: ERROR: /nonexistent/x.litmus: cannot read the file: ENOENT\n' });
    expect((await runTool(kmodsim, ['litmus'])).stderr).toBe('kmodsim litmus: ERROR: expected a litmus file\n');
  });
});
