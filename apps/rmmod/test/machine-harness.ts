import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { testClock, type CliMain } from '@kmodsim/cli';
import { main as depmod } from '../src/cli/depmod.js';
import { main as insmod } from '../src/cli/insmod.js';
import { main as kmodsim } from '../src/cli/kmodsim.js';
import { main as lsmod } from '../src/cli/lsmod.js';
import { main as modinfo } from '../src/cli/modinfo.js';
import { main as modprobe } from '../src/cli/modprobe.js';
import { main as rmmod } from '../src/cli/rmmod.js';
import { runTool, type Ran } from './run-tool.js';

// Runs the real commands against a machine directory of the test's own: in-process, each tool's
// main with the machine in its environment and one test clock per machine (time moves only when
// a command waits, or the test moves it); or, for the few end-to-end tests, as processes
// (bin/*.js, built), as a user runs them.

const binDir = fileURLToPath(new URL('../bin/', import.meta.url));
export const fixtures = fileURLToPath(new URL('../../../packages/linker/fixtures/modules/', import.meta.url));

export type { Ran } from './run-tool.js';

const TOOLS = { depmod, insmod, kmodsim, lsmod, modinfo, modprobe, rmmod } as const satisfies Record<string, CliMain>;
export type ToolName = keyof typeof TOOLS;

export function newMachineDir(): string {
  return join(mkdtempSync(join(tmpdir(), 'kmodsim-test-')), 'machine');
}

/** A command started and not yet waited for; interrupt() is the user's Ctrl-C. */
export interface Started {
  readonly done: Promise<Ran>;
  interrupt(): void;
}

export function tool(dir: string) {
  const env = { KMODSIM_MACHINE: dir };
  const clock = testClock();
  // Each command comes a millisecond after the one before, as no two commands a user types coincide.
  const run = (bin: ToolName, args: readonly string[]): Promise<Ran> => {
    clock.advanceMs(1);
    return runTool(TOOLS[bin], args, { env, clock });
  };
  const start = (bin: ToolName, args: readonly string[]): Started => {
    clock.advanceMs(1);
    const controller = new AbortController();
    return { done: runTool(TOOLS[bin], args, { env, clock, signal: controller.signal }), interrupt: () => { controller.abort(); } };
  };
  return { run, start, clock, journal: () => readFileSync(join(dir, 'journal'), 'utf8') };
}

const bootTemplates = new Map<string, Promise<{ readonly dir: string; readonly booted: Ran }>>();

/**
 * A machine booted with these arguments, for a test of its own: the first caller boots it (a real
 * tree's boot reads its vmlinuz, seconds), every caller gets a copy of that machine directory.
 */
export async function bootedCopy(bootArgs: readonly string[]): Promise<{ t: ReturnType<typeof tool>; booted: Ran }> {
  const key = JSON.stringify(bootArgs);
  let template = bootTemplates.get(key);
  if (template === undefined) {
    const dir = newMachineDir();
    template = tool(dir).run('kmodsim', ['boot', ...bootArgs]).then((booted) => ({ dir, booted }));
    bootTemplates.set(key, template);
  }
  const { dir: from, booted } = await template;
  const dir = newMachineDir();
  if (booted.status === 0) cpSync(from, dir, { recursive: true });
  return { t: tool(dir), booted };
}

/** The same commands as processes of their own, with the real clock: for end-to-end tests. */
export function processes(dir: string) {
  const env = { ...process.env, KMODSIM_MACHINE: dir };
  const run = (bin: ToolName, args: readonly string[]): Promise<Ran> =>
    new Promise((resolve) => {
      execFile(process.execPath, [join(binDir, `${bin}.js`), ...args], { env }, (error, stdout, stderr) => {
        resolve({ status: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr });
      });
    });
  const start = (bin: ToolName, args: readonly string[]): { child: ChildProcess; done: Promise<Ran> } => {
    const child = spawn(process.execPath, [join(binDir, `${bin}.js`), ...args], { env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const done = new Promise<Ran>((resolve) => child.on('close', (code) => { resolve({ status: code ?? 1, stdout, stderr }); }));
    return { child, done };
  };
  return { run, start };
}

/**
 * Checks until `check` holds, letting other work of the test (a command started earlier) run
 * between tries; gives up after `tries`. No timer: how loaded the machine is cannot fail it.
 */
export async function eventually(check: () => Promise<boolean>, tries = 200): Promise<boolean> {
  for (let attempt = 0; attempt < tries; attempt++) {
    if (await check()) return true;
    await new Promise((resolve) => setImmediate(resolve));
  }
  return false;
}

/**
 * Polls until `check` holds, for a command run as a process: it returns as soon as it holds, so
 * the generous limit only ends a wait for something that never happens, however loaded the machine.
 */
export async function eventuallyWithin(check: () => Promise<boolean>, timeoutMs = 120_000): Promise<boolean> {
  const start = Date.now();
  while (Date.now() - start < timeoutMs) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}
