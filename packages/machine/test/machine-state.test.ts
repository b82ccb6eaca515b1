import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { lookAtMachine, machineFiles, refresh, runCommand, type JournalCommand } from '../src/index.js';
import { apply, BOOT_WALL_MS, boot, insmodEmbedded, newMachineDir } from './machine.js';

// machine.state: after each command the whole machine is saved, and the next command loads it
// instead of booting and replaying the journal. It must be the machine the journal replays to,
// through every kind of command and every built-in strategy; a damaged one is rebuilt from the
// journal with a one-line notice, and nothing the user had changes.

const STRATEGIES = ['percpu-stop-machine', 'percpu-split-counters', 'percpu-ref', 'atomic-bias', 'global-atomic', 'global-spinlock'];

/** What user space sees now (lsmod, dmesg, ps and the taint), read through a replay of the journal or the saved state. */
async function viewsNow(dir: string, afterMs: number): Promise<string> {
  const looked = await refresh(dir, BOOT_WALL_MS + afterMs, () => undefined);
  if (!looked.ok) expect.fail(looked.message);
  const { asOfWallMs: _asOf, ...views } = looked.value.snapshot;
  return JSON.stringify(views);
}

/** A history with a holder, an rmmod --wait asleep on it, a release that ends the wait, a reload and a forced removal. */
async function liveThrough(dir: string, strategy: string): Promise<void> {
  const config = await boot(dir, { forceUnload: true, strategy });
  await insmodEmbedded(dir, config, ['demo_lib', 'demo_chardev']);
  await insmodEmbedded(dir, config, ['demo_irq']);
  const held = await apply(dir, { kind: 'hold', module: 'demo_chardev', forMs: null }, 1000);
  await apply(dir, { kind: 'hold', module: 'demo_irq', forMs: 60_000 }, 2000);
  await apply(dir, { kind: 'rmmod', tool: 'rmmod', names: ['demo_chardev'], wait: true, force: false, thenIfUnused: [] }, 3000);
  expect(readFileSync(machineFiles(dir).state).length).toBeGreaterThan(0);
  const pid = held.outcome.kind === 'hold' ? held.outcome.pid : 0;
  await apply(dir, { kind: 'release', pid }, 4000);
  await insmodEmbedded(dir, config, ['demo_fs']);
  await apply(dir, { kind: 'rmmod', tool: 'rmmod', names: ['demo_irq'], wait: false, force: true, thenIfUnused: [] }, 90_000);
}

describe.each(STRATEGIES)('machine.state with %s', (strategy) => {
  it('is the machine its journal replays to, after every kind of command', async () => {
    const dir = newMachineDir();
    await liveThrough(dir, strategy);
    const fromState = await viewsNow(dir, 100_000);
    rmSync(machineFiles(dir).state);
    expect(await viewsNow(dir, 100_000)).toBe(fromState);
    // The history ran to its end (an rmmod --wait is refused at once by designs that never wait, as Linux since 3.13).
    expect(fromState).toContain('demo_irq: module unloaded');
  });
});

describe('a damaged machine.state', () => {
  it('is rebuilt from the journal with a one-line notice, the journal kept as it was', async () => {
    const dir = newMachineDir();
    const config = await boot(dir);
    await insmodEmbedded(dir, config, ['demo_lib']);
    const files = machineFiles(dir);
    const journal = readFileSync(files.journal);
    const state = readFileSync(files.state);
    state[state.length - 10] = (state[state.length - 10] ?? 0) ^ 0xff;
    writeFileSync(files.state, state);
    const command: JournalCommand = { kind: 'hold', module: 'demo_lib', forMs: null };
    const applied = await runCommand(dir, 'test', BOOT_WALL_MS + 1000, () => command);
    if (!applied.ok) expect.fail(applied.message);
    expect(applied.value.notice).toMatch(/machine\.state was damaged \(checksum mismatch\); rebuilt the machine from the journal$/);
    expect(applied.value.notice).not.toContain('\n');
    expect(readFileSync(files.journal).subarray(0, journal.length).equals(journal)).toBe(true);
    expect(applied.value.outcome).toMatchObject({ kind: 'hold', result: { kind: 'holding' } });
  });

  it('that is not a state at all, or of another version, is rebuilt too', async () => {
    const dir = newMachineDir();
    const config = await boot(dir);
    await insmodEmbedded(dir, config, ['demo_lib']);
    const files = machineFiles(dir);
    writeFileSync(files.state, 'kmodsim machine state 999\n{}\n');
    const newer = await runCommand(dir, 'test', BOOT_WALL_MS + 1000, () => ({ kind: 'hold', module: 'demo_lib', forMs: null }));
    if (!newer.ok) expect.fail(newer.message);
    expect(newer.value.notice).toBeUndefined();
    writeFileSync(files.state, 'not a state\n');
    const other = await runCommand(dir, 'test', BOOT_WALL_MS + 2000, () => ({ kind: 'hold', module: 'demo_lib', forMs: null }));
    if (!other.ok) expect.fail(other.message);
    expect(other.value.notice).toContain('it is not a kmodsim machine state');
    expect(readFileSync(files.state, 'latin1')).toMatch(/^kmodsim machine state 1\n/);
  });
});

describe('machine.state that cannot be read or written (a hostile audit)', () => {
  it('a directory in its place: the command is recorded and succeeds, and says in one line why the state was not used or saved', async () => {
    const dir = newMachineDir();
    const config = await boot(dir);
    await insmodEmbedded(dir, config, ['demo_lib']);
    const files = machineFiles(dir);
    rmSync(files.state);
    mkdirSync(files.state);
    const applied = await runCommand(dir, 'test', BOOT_WALL_MS + 1000, () => ({ kind: 'hold', module: 'demo_lib', forMs: null }));
    if (!applied.ok) expect.fail(applied.message);
    expect(applied.value.outcome).toMatchObject({ kind: 'hold', result: { kind: 'holding' } });
    expect(applied.value.notice).toMatch(/machine\.state was damaged \(.*\); rebuilt the machine from the journal; .*machine\.state could not be saved \(EISDIR\); the next command replays the journal$/);
    expect(readFileSync(files.journal, 'utf8').trim().split('\n')).toHaveLength(2);
    expect(readdirSync(dir).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('a header that is JSON but not a stamp is damage: rebuilt with a notice, for commands and for readers', async () => {
    const dir = newMachineDir();
    const config = await boot(dir);
    await insmodEmbedded(dir, config, ['demo_lib']);
    const files = machineFiles(dir);
    writeFileSync(files.state, 'kmodsim machine state 1\nnull\n{}\n');
    rmSync(files.snapshot);
    const looked = await lookAtMachine(dir, BOOT_WALL_MS + 1000);
    if (!looked.ok) expect.fail(looked.message);
    expect(looked.value.notice).toContain('machine.state was damaged (its header is not laid out as kmodsim writes it)');
    expect(looked.value.snapshot.modules.map((module) => module.name)).toEqual(['demo_lib']);
    const applied = await runCommand(dir, 'test', BOOT_WALL_MS + 2000, () => ({ kind: 'hold', module: 'demo_lib', forMs: null }));
    if (!applied.ok) expect.fail(applied.message);
    expect(applied.value.notice).toContain('its header is not laid out as kmodsim writes it');
  });

  it('a command refused on a machine rebuilt from a damaged state says why it was rebuilt too', async () => {
    const dir = newMachineDir();
    const config = await boot(dir);
    await insmodEmbedded(dir, config, ['demo_lib']);
    writeFileSync(machineFiles(dir).state, 'not a state\n');
    const refused = await runCommand(dir, 'test', BOOT_WALL_MS + 1000, () => ({ ok: false, errno: 'ESRCH', message: 'no such holder', kind: 'refused' }));
    expect(refused.ok ? 'applied' : [refused.message, 'notice' in refused ? refused.notice : undefined]).toEqual(['no such holder', expect.stringContaining('it is not a kmodsim machine state')]);
  });
});
