import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, test } from 'vitest';
import { temporaryPathFor } from '@kmodsim/machine';
import { main as kmodsim } from '../src/cli/kmodsim.js';
import { main as lsmod } from '../src/cli/lsmod.js';
import { main as modprobe } from '../src/cli/modprobe.js';
import type { CliMain } from '@kmodsim/cli';
import { runTool, type Ran } from './run-tool.js';
import { newMachineDir } from './machine-harness.js';

// A kmodsim command killed while it writes a file (kill -9) leaves the temporary it was writing
// beside the target. The next command that takes the machine's lock removes those of writers
// that have died, and only those: a live writer's, another host's and the user's own stay.

const ran = (tool: CliMain, args: readonly string[]): Promise<Ran> => runTool(tool, args);

/** The app's directory: a script run there imports the built @kmodsim/machine as the tools do. */
const appDir = fileURLToPath(new URL('..', import.meta.url));

/** A process that starts writing `target` as writeFileAtomic does, and is SIGKILLed before the rename; its pid. */
function killedWhileWriting(target: string): number {
  const script = `const { temporaryPathFor } = await import('@kmodsim/machine');
    (await import('node:fs')).writeFileSync(temporaryPathFor(${JSON.stringify(target)}), 'half a file');
    process.kill(process.pid, 'SIGKILL');`;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: appDir });
  expect(child.signal).toBe('SIGKILL');
  return child.pid;
}

const sleepers: { kill(): boolean }[] = [];
afterEach(() => {
  for (const sleeper of sleepers.splice(0)) sleeper.kill();
});

/** A process that is alive for the whole test. */
function livePid(): number {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' });
  sleepers.push(child);
  return child.pid ?? 0;
}

describe('temporaries of killed commands do not pile up in the machine directory', () => {
  // The writer runs the built durable-file.js, as every CLI test here runs the built tools: a missing build fails, it does not skip.
  test('the next command removes a dead writer\'s snapshot, machine.json and image temporaries and keeps everything else', async () => {
    const dir = newMachineDir();
    expect((await ran(kmodsim, ['boot', '--machine', dir, '--cpus', '2'])).status).toBe(0);
    expect((await ran(modprobe, ['-M', dir, 'demo_lib'])).status).toBe(0);
    const [image] = readdirSync(join(dir, 'images'));
    const imagePath = join(dir, 'images', image ?? '');
    const snapshot = join(dir, 'snapshot.json');
    const snapshotBefore = readFileSync(snapshot, 'utf8');

    const killedPid = killedWhileWriting(snapshot);
    const dead = [
      temporaryPathFor(snapshot, killedPid),
      // The name kmodsim used before it named the host too, as the audit found it.
      `${snapshot}.${killedPid}.tmp`,
      temporaryPathFor(join(dir, 'machine.json'), killedPid),
      temporaryPathFor(imagePath, killedPid),
    ];
    for (const path of dead.slice(1)) writeFileSync(path, 'half a file');
    const live = livePid();
    const kept = [
      temporaryPathFor(snapshot, live),
      temporaryPathFor(imagePath, live),
      // Another host's writer: its pid means nothing here.
      `${snapshot}.00000000-${killedPid}.tmp`,
      // Not a file kmodsim writes: the user's.
      join(dir, `notes.${killedPid}.tmp`),
    ];
    for (const path of kept) writeFileSync(path, 'not ours to remove');
    expect(dead.every((path) => existsSync(path))).toBe(true);

    expect(await ran(modprobe, ['-M', dir, 'demo_chardev'])).toEqual({ status: 0, stdout: '', stderr: '' });

    expect(dead.filter((path) => existsSync(path))).toEqual([]);
    expect(kept.filter((path) => !existsSync(path))).toEqual([]);
    expect(readFileSync(snapshot, 'utf8')).not.toBe(snapshotBefore);
    expect((await ran(lsmod, ['-M', dir])).stdout).toMatch(/^demo_chardev .*\ndemo_lib .* demo_chardev\n$/m);
    expect(existsSync(imagePath)).toBe(true);
  });

  test('a machine whose journal is damaged is left exactly as it was, leftovers included', async () => {
    const dir = newMachineDir();
    expect((await ran(kmodsim, ['boot', '--machine', dir])).status).toBe(0);
    expect((await ran(modprobe, ['-M', dir, 'demo_lib'])).status).toBe(0);
    const deadPid = spawnSync(process.execPath, ['-e', '']).pid;
    const leftover = temporaryPathFor(join(dir, 'snapshot.json'), deadPid);
    writeFileSync(leftover, 'half a file');
    writeFileSync(join(dir, 'journal'), readFileSync(join(dir, 'journal'), 'utf8').replace('demo_lib', 'demo_lix'));
    const refused = await ran(modprobe, ['-M', dir, 'demo_chardev']);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('is damaged: journal');
    expect(existsSync(leftover)).toBe(true);
  });
});
