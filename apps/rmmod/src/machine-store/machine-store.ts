import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { readBootConfig, writeBootConfig } from './boot-config.js';
import { writeFileAtomic } from './durable-file.js';
import { appendRecord, readJournal, type JournalContents } from './journal.js';
import { removeDeadTemporaries } from './leftover-temporaries.js';
import { acquireLock } from './lock.js';
import { machineFiles } from './location.js';
import { makeDirectories, makeDirectoriesOrThrow } from './make-directories.js';
import type { BootConfig, JournalRecord } from './records.js';
import { ioError, type StoreError } from './store-error.js';

// A machine directory: machine.json (boot configuration), journal (acknowledged commands),
// snapshot.json (derived views), images/ (module files by content), lock. Every command that
// changes the machine runs under the lock: read the journal, rebuild the machine, apply itself,
// append, write the snapshot. So two terminals never lose each other's updates.

export type StoreResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: StoreError };

export interface OpenMachine {
  readonly dir: string;
  readonly config: BootConfig;
  readonly journal: JournalContents;
}

const ok = <T>(value: T): StoreResult<T> => ({ ok: true, value });
const fail = <T>(error: StoreError): StoreResult<T> => ({ ok: false, error });

/** How saveImage names an image: its SHA-256 in hex. */
const IMAGE_NAME = /^[0-9a-f]{64}\.ko$/;

/** Says whether dir is a machine, without reading its journal. */
export function checkMachineDir(dir: string): StoreError | undefined {
  let isDirectory: boolean;
  try {
    isDirectory = statSync(dir).isDirectory();
  } catch {
    return { kind: 'no-machine', dir };
  }
  if (!isDirectory) return { kind: 'not-a-machine', dir, why: 'it is not a directory' };
  if (!existsSync(machineFiles(dir).config)) return { kind: 'not-a-machine', dir, why: 'it has no machine.json' };
  return undefined;
}

export function openMachine(dir: string): StoreResult<OpenMachine> {
  const problem = checkMachineDir(dir);
  if (problem !== undefined) return fail(problem);
  const files = machineFiles(dir);
  const config = readBootConfig(files.config);
  if (!config.ok) return fail({ kind: 'damaged', dir, file: 'machine.json', why: config.why });
  const journal = readJournal(files.journal);
  if (!journal.ok) return fail({ kind: 'damaged', dir, file: 'journal', why: journal.why });
  return ok({ dir, config: config.config, journal: journal.journal });
}

/** Runs `body` on the machine with the lock held, so nobody else changes it meanwhile. */
export function withLockedMachine<T>(dir: string, command: string, body: (machine: OpenMachine) => StoreResult<T>): StoreResult<T> {
  // A directory without machine.json but with a lock is being booted (or rebooted): wait for
  // the boot's lock and look again, rather than call the machine missing halfway through.
  const problem = checkMachineDir(dir);
  if (problem !== undefined && !(problem.kind === 'not-a-machine' && existsSync(machineFiles(dir).lock))) return fail(problem);
  const locked = acquireLock(dir, machineFiles(dir).lock, command);
  if (!locked.ok) return fail(locked.error);
  try {
    const machine = openMachine(dir);
    if (!machine.ok) return machine;
    removeLeftovers(dir);
    return body(machine.value);
  } catch (error) {
    return fail(ioError(dir, error));
  } finally {
    locked.lock.release();
  }
}

/**
 * Clears what commands killed mid-write left (their temporaries), so that leftovers do not pile
 * up: every command that changes or refreshes the machine passes here, under the lock. Only a
 * machine that opened cleanly is swept, so a damaged one is left exactly as it was found.
 */
function removeLeftovers(dir: string): void {
  const files = machineFiles(dir);
  const written = new Set([basename(files.config), basename(files.snapshot)]);
  removeDeadTemporaries(dir, (target) => written.has(target));
  removeDeadTemporaries(files.images, (target) => IMAGE_NAME.test(target));
}

/** Appends a record to the journal durably; returns the journal's new length in bytes. */
export function appendJournalRecord(machine: OpenMachine, record: JournalRecord): number {
  return appendRecord(machineFiles(machine.dir).journal, machine.journal, record);
}

/** What boot puts in a new machine directory, around machine.json. */
export interface MachineContents {
  /** The module tree and depmod files: written before machine.json makes the directory a machine. */
  fill(dir: string): void;
  /** The snapshot: written after, since it is stamped with machine.json as it is on disk. */
  seal(dir: string): void;
}

/** Creates a machine directory (or, with reboot, replaces the machine in one), under the lock. */
export function createMachineDir(dir: string, config: BootConfig, reboot: boolean, contents: MachineContents): StoreResult<void> {
  const made = makeDirectories(dir);
  if (!made.ok) return fail({ kind: 'io', dir, why: made.path === dir ? `cannot create the directory: ${made.why}` : `cannot create ${made.path}: ${made.why}` });
  const files = machineFiles(dir);
  // The checks are made under the lock: a boot running beside this one holds it while it fills
  // the directory, and what it leaves is a machine (exists), not someone else's files.
  const locked = acquireLock(dir, files.lock, 'kmodsim boot');
  if (!locked.ok) return fail(locked.error);
  try {
    const isMachine = existsSync(files.config);
    if (isMachine && !reboot) return fail({ kind: 'exists', dir });
    const stray = readdirSync(dir).filter((name) => name !== 'lock');
    if (!isMachine && stray.length > 0) return fail({ kind: 'not-a-machine', dir, why: 'it holds other files, and kmodsim boot writes only into an empty directory' });
    for (const name of readdirSync(dir)) if (name !== 'lock') rmSync(join(dir, name), { recursive: true, force: true });
    contents.fill(dir);
    writeBootConfig(files.config, config);
    contents.seal(dir);
    return ok(undefined);
  } catch (error) {
    return fail(ioError(dir, error));
  } finally {
    locked.lock.release();
  }
}

/** Keeps a module file in the machine by its SHA-256, so a replay reads the very bytes insmod read. */
export function saveImage(dir: string, bytes: Uint8Array): string {
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const images = machineFiles(dir).images;
  const path = join(images, `${sha256}.ko`);
  if (!existsSync(path)) {
    makeDirectoriesOrThrow(images);
    writeFileAtomic(path, bytes);
  }
  return sha256;
}

export function readImage(dir: string, sha256: string): Uint8Array | undefined {
  try {
    return readFileSync(join(machineFiles(dir).images, `${sha256}.ko`));
  } catch {
    return undefined;
  }
}
