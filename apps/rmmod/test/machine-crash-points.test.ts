import { spawn } from 'node:child_process';
import { appendFileSync, cpSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, test } from 'vitest';
import { CRASH_POINTS, type CrashPoint } from '@kmodsim/machine';
import { newMachineDir, tool } from './machine-harness.js';

// The store's fault campaign: a command is killed (SIGKILL, as kill -9) at every write point in
// turn, between each write and the fsync or rename that makes it durable, and N writers run at
// once with some of them killed. After each: nothing acknowledged is lost, nothing is half
// applied (the journal is whole and the views agree with it), and the next command works and
// sweeps what the killed one left. Only the commands that are killed run as processes of their
// own; the checks after them run the tools in-process.

const binDir = fileURLToPath(new URL('../bin/', import.meta.url));

interface Ran {
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

function run(dir: string, bin: string, args: readonly string[], crashAt?: string): Promise<Ran> {
  const env = { ...process.env, KMODSIM_MACHINE: dir, ...(crashAt === undefined ? {} : { KMODSIM_CRASH_AT: crashAt }) };
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(binDir, `${bin}.js`), ...args], { env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (status, signal) => { resolve({ status, signal, stdout, stderr }); });
  });
}

const journalLines = (dir: string): string[] => readFileSync(join(dir, 'journal'), 'utf8').split('\n').slice(0, -1);
const temporaries = (dir: string): string[] => [...readdirSync(dir), ...readdirSync(join(dir, 'images')).map((n) => `images/${n}`)].filter((n) => n.endsWith('.tmp'));

/** The machine is whole: lsmod answers, and demo_lib's users are the holds its journal records. */
async function expectWhole(dir: string): Promise<number> {
  const lsmod = await tool(dir).run('lsmod', []);
  expect(lsmod.stderr).toBe('');
  const holds = journalLines(dir).filter((line) => line.includes('"kind":"hold"')).length;
  expect(lsmod.stdout).toMatch(new RegExp(`^demo_lib +\\d+ +${holds}$`, 'm'));
  return holds;
}

let base: string;

beforeAll(async () => {
  base = newMachineDir();
  expect((await tool(base).run('kmodsim', ['boot'])).status).toBe(0);
  expect((await tool(base).run('modprobe', ['demo_lib'])).status).toBe(0);
});

function copyOfBase(): string {
  const dir = newMachineDir();
  cpSync(base, dir, { recursive: true });
  return dir;
}

describe('kill -9 at every write point of a command', () => {
  test.each(CRASH_POINTS.filter((point) => point !== 'truncate-torn'))('%s', async (point: CrashPoint) => {
    const dir = copyOfBase();
    const before = journalLines(dir).length;
    const killed = await run(dir, 'kmodsim', ['hold', 'demo_lib'], point);
    expect(killed.signal).toBe('SIGKILL');
    // Not acknowledged: either it is in the journal whole, or it is not there at all.
    expect([before, before + 1]).toContain(journalLines(dir).length);
    const holdsAfterCrash = await expectWhole(dir);
    const next = await tool(dir).run('kmodsim', ['hold', 'demo_lib']);
    expect(next).toMatchObject({ status: 0, stderr: '' });
    expect(await expectWhole(dir)).toBe(holdsAfterCrash + 1);
    expect(temporaries(dir)).toEqual([]);
  });

  test('truncate-torn: killed while dropping a torn last line, the next command drops it', async () => {
    const dir = copyOfBase();
    const before = journalLines(dir).length;
    appendFileSync(join(dir, 'journal'), '0123abcd {"seq":');
    expect((await run(dir, 'kmodsim', ['hold', 'demo_lib'], 'truncate-torn')).signal).toBe('SIGKILL');
    expect((await tool(dir).run('kmodsim', ['hold', 'demo_lib'])).status).toBe(0);
    expect(journalLines(dir)).toHaveLength(before + 1);
    expect(await expectWhole(dir)).toBe(1);
  });

  test.each(['lock-written', 'lock-linked', 'replace-opened', 'replace-synced', 'replace-renamed', 'replace-renamed#2'])('boot killed at %s: booting again or using the machine works', async (point) => {
    const dir = newMachineDir();
    expect((await run(dir, 'kmodsim', ['boot'], point)).signal).toBe('SIGKILL');
    const t = tool(dir);
    const again = await t.run('kmodsim', ['boot']);
    if (again.status !== 0) expect(again.stderr).toBe(`kmodsim boot: ERROR: ${dir} already holds a machine; pass --reboot to replace it\n`);
    else expect(again.stderr).toBe('');
    const lsmod = await t.run('lsmod', []);
    if (lsmod.status !== 0) expect((await t.run('kmodsim', ['boot', '--reboot'])).status).toBe(0);
    expect((await t.run('modprobe', ['demo_lib'])).status).toBe(0);
    expect(await expectWhole(dir)).toBe(0);
  });
});

test('8 writers at once, every other one killed at a write point: every acknowledged hold is kept', async () => {
  const dir = copyOfBase();
  const writers = Array.from({ length: 8 }, (_, i) => run(dir, 'kmodsim', ['hold', 'demo_lib'], i % 2 === 1 ? CRASH_POINTS[i % CRASH_POINTS.length] : undefined));
  const ran = await Promise.all(writers);
  const acknowledged = ran.filter((r) => r.status === 0);
  expect(acknowledged.length).toBeGreaterThanOrEqual(4);
  const holds = await expectWhole(dir);
  expect(holds).toBeGreaterThanOrEqual(acknowledged.length);
  const ps = await tool(dir).run('kmodsim', ['ps']);
  for (const writer of acknowledged) expect(ps.stdout).toContain(writer.stdout.trim());
});
