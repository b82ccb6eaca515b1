import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { checksumOf, EMBEDDED_RELEASE, readFreshSnapshot, refresh, SNAPSHOT_FORMAT, type JournalCommand, type RmmodOutcome } from '../src/index.js';
import { apply, boot, BOOT_WALL_MS, insmodEmbedded, newMachineDir } from './machine.js';

// The persistent machine, one command after another as the tools give them: every command's
// effects must have played out by the time it is journalled and its snapshot written. rmmod
// --wait is the hard case under the seed's design: the release wakes the holder, whose last put
// wakes the sleeping rmmod, whose stop_machine then wakes a stopper thread on its own CPU that
// preempts it there. None of that may be left half done when the release's record ends.

const rmmodWait: JournalCommand = { kind: 'rmmod', tool: 'rmmod', names: ['demo_chardev'], wait: true, force: false, thenIfUnused: [] };

test('boot lays out the embedded kernel this package ships, and its depmod files', async () => {
  const dir = newMachineDir();
  await boot(dir);
  const moduleDir = join(dir, 'lib', 'modules', EMBEDDED_RELEASE);
  expect(existsSync(join(moduleDir, 'kernel', 'demo', 'demo_chardev.ko'))).toBe(true);
  expect(readFileSync(join(moduleDir, 'modules.dep'), 'utf8')).toContain('kernel/demo/demo_chardev.ko: kernel/demo/demo_lib.ko\n');
});

describe.each(['percpu-stop-machine', 'global-spinlock'])('the persistent machine with %s', (strategy) => {
  test('a release finishes the rmmod --wait it unblocks within its own record, and the snapshot says so', async () => {
    const dir = newMachineDir();
    const config = await boot(dir, { strategy });
    await insmodEmbedded(dir, config, ['demo_lib', 'demo_chardev']);
    const hold = await apply(dir, { kind: 'hold', module: 'demo_chardev', forMs: null }, 10);
    const holderPid = hold.outcome.kind === 'hold' ? hold.outcome.pid : 0;
    const waiting = await apply(dir, rmmodWait, 20);
    const rmmod = waiting.outcome as RmmodOutcome;
    expect(rmmod.finished).toBe(false);
    expect(waiting.snapshot.tasks.find((task) => task.pid === rmmod.pid)?.stat).toBe('D');
    expect(waiting.snapshot.modules.find((module) => module.name === 'demo_chardev')?.state).toBe('Unloading');

    const released = await apply(dir, { kind: 'release', pid: holderPid }, 30);
    expect(released.snapshot.tasks.map((task) => task.comm)).toEqual(strategy === 'percpu-stop-machine' ? ['migration/0', 'migration/1'] : []);
    expect(released.snapshot.modules.map((module) => module.name)).toEqual(['demo_lib']);
    expect(released.snapshot.dmesgText).toMatch(/\] demo_chardev: module unloaded\n$/);
    const seen = await refresh(dir, BOOT_WALL_MS + 40, (session) => session.outcomeOf(waiting.record.seq));
    if (!seen.ok) expect.fail(seen.message);
    expect(seen.value.seen).toMatchObject({ kind: 'rmmod', finished: true, results: [{ name: 'demo_chardev', result: { kind: 'removed' } }] });
  });
});

test('a holder\'s --for ends at its wall time, whichever later look replays past it', async () => {
  const dir = newMachineDir();
  const config = await boot(dir);
  await insmodEmbedded(dir, config, ['demo_lib', 'demo_chardev']);
  await apply(dir, { kind: 'hold', module: 'demo_chardev', forMs: 1000 }, 10);
  const refcountAt = async (afterMs: number): Promise<number | undefined> => {
    const seen = await refresh(dir, BOOT_WALL_MS + afterMs, () => undefined);
    if (!seen.ok) expect.fail(seen.message);
    return seen.value.snapshot.modules.find((module) => module.name === 'demo_chardev')?.refcount;
  };
  expect(await refcountAt(1009)).toBe(1);
  expect(await refcountAt(1011)).toBe(0);
});

test('a snapshot an older kmodsim derived (another format) is rebuilt from the journal, not shown', async () => {
  const dir = newMachineDir();
  await boot(dir);
  const snapshotPath = join(dir, 'snapshot.json');
  const journalPath = join(dir, 'journal');
  expect(readFreshSnapshot(snapshotPath, journalPath, BOOT_WALL_MS).kind).toBe('fresh');
  const current = JSON.parse(readFileSync(snapshotPath, 'utf8').split('\n')[1] ?? '') as Record<string, unknown>;
  const older = JSON.stringify({ ...current, format: SNAPSHOT_FORMAT - 1 });
  writeFileSync(snapshotPath, `${checksumOf(older)}\n${older}`);
  expect(readFreshSnapshot(snapshotPath, journalPath, BOOT_WALL_MS).kind).toBe('stale');
});
