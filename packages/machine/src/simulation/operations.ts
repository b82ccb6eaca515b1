import type { Failure, Result } from '@kmodsim/cpu';
import { appendJournalRecord, saveImage, withLockedMachine, type OpenMachine } from '../machine-store/machine-store.js';
import { damaged, type StoreError, type StoreResult } from '../machine-store/store-error.js';
import { oversizedRecord } from '../machine-store/journal.js';
import { machineFiles } from '../machine-store/location.js';
import type { BootConfig, JournalCommand, JournalRecord } from '../machine-store/records.js';
import { writeSnapshot, type Snapshot } from '../machine-store/snapshot.js';
import { readMachineState, saveMachineState } from '../machine-store/machine-state.js';
import type { CommandOutcome } from './outcomes.js';
import { MachineSession } from './session.js';
import { viewsOf } from './views.js';

// The operations every tool is made of: run a command on a machine (rebuild it from its
// journal, apply, append, snapshot: all under the machine's lock), look at a machine as it is
// now, and look again at a command given earlier (rmmod --wait polling for its end).

/**
 * A command refused before it reached the machine (a bad pid, say), or that the machine could
 * not run: nothing is written. The CLIs print its message as they print a StoreError's.
 */
export type Refusal = Failure & {
  readonly kind: 'refused';
  /** Set when machine.state could not be used and the machine was rebuilt from the journal to see the command was refused. */
  readonly notice?: string;
};

const refusal = (errno: Refusal['errno'], message: string): Refusal => ({ ok: false, errno, message, kind: 'refused' });

export interface Applied {
  readonly record: JournalRecord;
  readonly outcome: CommandOutcome;
  readonly snapshot: Snapshot;
  /** Set when machine.state could not be used and the machine was rebuilt from the journal: why, for a one-line note. */
  readonly notice?: string;
}

/** The machine as its journal leaves it: loaded from machine.state when that is current, else replayed. */
function restore(machine: OpenMachine, trace = false): StoreResult<{ session: MachineSession; notice: string | undefined }> {
  // A read-only command never writes the journal: the next command that appends drops a torn tail.
  const records = machine.journal.records;
  // A trace shows the whole history, which only a replay has.
  const state = trace ? { kind: 'stale' as const } : readMachineState(machine.dir);
  let notice: string | undefined;
  if (state.kind === 'journal-cut') {
    return damaged(machine.dir, 'journal', `it is ${state.journalBytes} bytes, shorter than the ${state.stampBytes} machine.state recorded (acknowledged commands are missing)`);
  }
  if (state.kind === 'fresh') {
    const loaded = MachineSession.fromState(machine.dir, machine.config, records, state);
    if (loaded.ok) return { ok: true, value: { session: loaded.value, notice: undefined } };
    notice = `${machine.dir}/machine.state could not be loaded (${loaded.message}); rebuilt the machine from the journal`;
  } else if (state.kind === 'damaged') {
    notice = `${machine.dir}/machine.state was damaged (${state.why}); rebuilt the machine from the journal`;
  }
  const session = MachineSession.restore(machine.dir, machine.config, records, { trace });
  return session.ok ? { ok: true, value: { session: session.value, notice } } : damaged(machine.dir, 'journal', session.message);
}

/** Saves the whole machine for the next command (a machine that cannot be saved now, with code in flight, is replayed next time); why it could not be written, if it could not. */
function saveState(dir: string, session: MachineSession): string | undefined {
  const state = session.saveState();
  return saveMachineState(dir, state.ok ? state.value : undefined);
}

/**
 * Runs a command: `prepare` sees the machine as it is now and gives the command to journal, or
 * a refusal. A command whose record would pass the journal's limit on a record is refused
 * before it is applied, and only then are the module files in `keep` kept in the machine (its
 * records name them); the record is appended only once the machine has applied it without
 * crashing.
 */
export function runCommand(
  dir: string, tool: string, nowWallMs: number, prepare: (session: MachineSession) => JournalCommand | Refusal, keep: readonly Uint8Array[] = [],
): Result<Applied, StoreError | Refusal> {
  return withLockedMachine<Applied, Refusal>(dir, tool, (machine) => {
    const restored = restore(machine);
    if (!restored.ok) return restored;
    const { session, notice } = restored.value;
    const command = prepare(session);
    if ('ok' in command) return notice === undefined ? command : { ...command, notice };
    const last = machine.journal.records.at(-1);
    // Wall clocks can step backwards; the journal's times never do.
    const wallMs = Math.max(nowWallMs, last?.wallMs ?? machine.config.bootWallMs);
    const record: JournalRecord = { seq: (last?.seq ?? 0) + 1, wallMs, command };
    // A command that could never be recorded is refused before the machine runs it, not after.
    const oversized = oversizedRecord(record);
    if (oversized !== undefined) return refusal('EFBIG', `${dir}: ${oversized}`);
    for (const bytes of keep) saveImage(dir, bytes);
    const oopsesBefore = session.machine.oopses.length;
    const applied = session.apply(record);
    if (!applied.ok) return refusal('EIO', `the simulated kernel crashed running it (${applied.message}); the machine is left as it was`);
    // A JavaScript exception in a task is a bug in kmodsim, not a kernel oops to keep.
    const thrown = session.machine.oopses.slice(oopsesBefore).find((fault) => fault.kind === 'exception');
    if (thrown !== undefined) return refusal('EIO', `internal error, nothing was recorded: ${thrown.message}`);
    appendJournalRecord(machine, record);
    const files = machineFiles(dir);
    const snapshot = writeSnapshot(files.snapshot, files.journal, viewsOf(session, wallMs));
    const unsaved = saveState(dir, session);
    const notices = [notice, unsaved].filter((line): line is string => line !== undefined);
    return { ok: true, value: { record, outcome: applied.value, snapshot, ...(notices.length === 0 ? {} : { notice: notices.join('; ') }) } };
  });
}

/** What refresh saw, with why machine.state could not be used when it could not (a one-line note). */
export interface Refreshed<T> {
  readonly snapshot: Snapshot;
  readonly seen: T;
  readonly notice?: string;
}

/** Rebuilds the machine up to now, writes its snapshot, and lets `inspect` look at the live session. */
export function refresh<T>(dir: string, nowWallMs: number, inspect: (session: MachineSession, config: BootConfig) => T, options: { trace?: boolean } = {}): StoreResult<Refreshed<T>> {
  return withLockedMachine<Refreshed<T>, never>(dir, 'kmodsim (reading)', (machine) => {
    const restored = restore(machine, options.trace ?? false);
    if (!restored.ok) return restored;
    const { session, notice } = restored.value;
    const wallMs = Math.max(nowWallMs, machine.journal.records.at(-1)?.wallMs ?? machine.config.bootWallMs);
    const advanced = session.advanceTo(wallMs);
    if (!advanced.ok) return damaged(dir, 'journal', advanced.message);
    const files = machineFiles(dir);
    const snapshot = writeSnapshot(files.snapshot, files.journal, viewsOf(session, wallMs));
    return { ok: true, value: { snapshot, seen: inspect(session, machine.config), ...(notice === undefined ? {} : { notice }) } };
  });
}
