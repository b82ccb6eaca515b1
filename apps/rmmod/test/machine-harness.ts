import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Runs the real commands (bin/*.js, built) against a machine directory of the test's own.

const binDir = fileURLToPath(new URL('../bin/', import.meta.url));
export const fixtures = fileURLToPath(new URL('../../../packages/linker/fixtures/modules/', import.meta.url));

export interface Ran {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function newMachineDir(): string {
  return join(mkdtempSync(join(tmpdir(), 'kmodsim-test-')), 'machine');
}

export function tool(dir: string) {
  const env = { ...process.env, KMODSIM_MACHINE: dir };
  const run = (bin: string, args: readonly string[]): Promise<Ran> =>
    new Promise((resolve) => {
      execFile(process.execPath, [join(binDir, `${bin}.js`), ...args], { env }, (error, stdout, stderr) => {
        resolve({ status: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr });
      });
    });
  /** Starts a command without waiting for it. */
  const start = (bin: string, args: readonly string[]): { child: ChildProcess; done: Promise<Ran> } => {
    const child = spawn(process.execPath, [join(binDir, `${bin}.js`), ...args], { env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const done = new Promise<Ran>((resolve) => child.on('close', (code) => { resolve({ status: code ?? 1, stdout, stderr }); }));
    return { child, done };
  };
  return { run, start, journal: () => readFileSync(join(dir, 'journal'), 'utf8') };
}

/** Polls until `check` holds (or gives up after timeoutMs). */
export async function eventually(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<boolean> {
  const start = Date.now();
  while (Date.now() - start < timeoutMs) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}
