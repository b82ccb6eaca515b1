import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { main as kmodsim } from '../src/cli/kmodsim.js';
import { checksumOf } from '../src/machine-store/checksum.js';
import { readFreshSnapshot, SNAPSHOT_FORMAT } from '../src/machine-store/snapshot.js';
import { main as modprobe } from '../src/cli/modprobe.js';
import type { JournalCommand } from '../src/machine-store/records.js';
import { refresh, runCommand, type Applied } from '../src/simulation/operations.js';
import type { RmmodOutcome } from '../src/simulation/outcomes.js';
import { newMachineDir } from './machine-harness.js';

// The persistent machine in-process, one command after another as the tools give them: every
// command's effects must have played out by the time it is journalled and its snapshot written.
// rmmod --wait is the hard case under the seed's design: the release wakes the holder, whose last
// put wakes the sleeping rmmod, whose stop_machine then wakes a stopper thread on its own CPU
// that preempts it there. None of that may be left half done when the release's record ends.

function quietIo(dir: string) {
  const err: string[] = [];
  return { io: { stdout: { write: () => true }, stderr: { write: (text: string) => err.push(text) }, env: { KMODSIM_MACHINE: dir } }, err };
}

function apply(dir: string, tool: string, command: JournalCommand): Applied {
  const applied = runCommand(dir, tool, Date.now(), () => command);
  if (!applied.ok) expect.fail(JSON.stringify(applied.error));
  if ('refused' in applied.value) expect.fail(applied.value.refused);
  return applied.value;
}

const rmmodWait: JournalCommand = { kind: 'rmmod', tool: 'rmmod', names: ['demo_chardev'], wait: true, force: false, thenIfUnused: [] };

describe.each(['percpu-stop-machine', 'global-spinlock'])('the persistent machine with %s', (strategy) => {
  test('a release finishes the rmmod --wait it unblocks within its own record, and the snapshot says so', async () => {
    const dir = newMachineDir();
    const { io, err } = quietIo(dir);
    expect(await kmodsim(['boot', '--cpus', '2', '--strategy', strategy], io)).toBe(0);
    expect(await modprobe(['demo_chardev'], io)).toBe(0);
    expect(err).toEqual([]);
    const hold = apply(dir, 'kmodsim hold', { kind: 'hold', module: 'demo_chardev', forMs: null });
    const holderPid = hold.outcome.kind === 'hold' ? hold.outcome.pid : 0;
    const waiting = apply(dir, 'rmmod', rmmodWait);
    const rmmod = waiting.outcome as RmmodOutcome;
    expect(rmmod.finished).toBe(false);
    expect(waiting.snapshot.tasks.find((task) => task.pid === rmmod.pid)?.stat).toBe('D');
    expect(waiting.snapshot.modules.find((module) => module.name === 'demo_chardev')?.state).toBe('Unloading');

    const released = apply(dir, 'kmodsim release', { kind: 'release', pid: holderPid });
    expect(released.snapshot.tasks.map((task) => task.comm)).toEqual(strategy === 'percpu-stop-machine' ? ['migration/0', 'migration/1'] : []);
    expect(released.snapshot.modules.map((module) => module.name)).toEqual(['demo_lib']);
    expect(released.snapshot.dmesgText).toMatch(/\] demo_chardev: module unloaded\n$/);
    const seen = refresh(dir, Date.now(), (session) => session.outcomeOf(waiting.record.seq));
    if (!seen.ok) expect.fail(JSON.stringify(seen.error));
    expect(seen.value.seen).toMatchObject({ kind: 'rmmod', finished: true, results: [{ name: 'demo_chardev', result: { kind: 'removed' } }] });
  });
});

test('a snapshot an older kmodsim derived (another format) is rebuilt from the journal, not shown', async () => {
  const dir = newMachineDir();
  const { io } = quietIo(dir);
  expect(await kmodsim(['boot', '--cpus', '2'], io)).toBe(0);
  const snapshotPath = join(dir, 'snapshot.json');
  const journalPath = join(dir, 'journal');
  expect(readFreshSnapshot(snapshotPath, journalPath, Date.now()).kind).toBe('fresh');
  const current = JSON.parse(readFileSync(snapshotPath, 'utf8').split('\n')[1] ?? '') as Record<string, unknown>;
  const older = JSON.stringify({ ...current, format: SNAPSHOT_FORMAT - 1 });
  writeFileSync(snapshotPath, `${checksumOf(older)}\n${older}`);
  expect(readFreshSnapshot(snapshotPath, journalPath, Date.now()).kind).toBe('stale');
});
