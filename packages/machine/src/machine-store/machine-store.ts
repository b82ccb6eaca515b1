import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { isMachineConfig, readBootConfig, writeBootConfig } from './boot-config.js';
import { parseTemporaryName, writeFileAtomic } from './durable-file.js';
import { appendRecord, readJournal, type JournalContents } from './journal.js';
import { removeDeadTemporaries } from './leftover-temporaries.js';
import { inBootsWay, machineEntries, removeMachineEntries, someNames } from './machine-entries.js';
import { acquireLock, DEFAULT_LOCK_TIMEOUT_MS, inspectLock, sleepMs } from './lock.js';
import { machineFiles } from './location.js';
import { describeFsError, makeDirectories, makeDirectoriesOrThrow } from './make-directories.js';
import type { BootConfig, JournalRecord } from './records.js';
import { ownEntryExists, readOwnFile } from './own-file.js';
import type { Failure, Result } from '@kmodsim/cpu';
import { damaged, exists, foreignFiles, ioError, ioFailure, noMachine, notAMachine, type StoreError, type StoreResult } from './store-error.js';

// A machine directory: machine.json (boot configuration), journal (acknowledged commands),
// snapshot.json (derived views), images/ (module files by content), lock. Every command that
// changes the machine runs under the lock: read the journal, rebuild the machine, apply itself,
// append, write the snapshot. So two terminals never lose each other's updates.

export interface OpenMachine {
  readonly dir: string;
  readonly config: BootConfig;
  readonly journal: JournalContents;
}

// cpu's ok, written out: the store does not load @kmodsim/cpu (see store-error.ts).
const ok = <T>(value: T): StoreResult<T> => ({ ok: true, value });

/** The largest module file kept: the linker's MAX_MODULE_BYTES (not imported, to keep the store light). */
const MAX_IMAGE_BYTES = 512 * 1024 * 1024;

/** How saveImage names an image: its SHA-256 in hex. */
const IMAGE_NAME = /^[0-9a-f]{64}\.ko$/;

/**
 * Says whether dir is a machine, without reading its journal. While a running kmodsim boot holds
 * the lock of a directory that is not a machine (yet, or again: a reboot clears machine.json
 * first), it waits for that boot, so that no command calls the machine missing halfway through.
 */
export function checkMachineDir(dir: string): StoreError | undefined {
  return awaitBoot(dir, lookAtMachineDir(dir));
}

/** Whether dir is a machine as it is now, boot or no boot. */
function lookAtMachineDir(dir: string): StoreError | undefined {
  let isDirectory: boolean;
  try {
    isDirectory = statSync(dir).isDirectory();
  } catch {
    return noMachine(dir);
  }
  if (!isDirectory) return notAMachine(dir, 'it is not a directory');
  const config = machineFiles(dir).config;
  // A directory this user may not look into (another user's, mode 700) may well be a machine:
  // say what stopped us rather than that it is none.
  const unreadable = lookupProblem(config);
  if (unreadable !== undefined) return ioFailure(dir, `cannot look inside it: ${unreadable}`);
  if (!hasEntry(config)) {
    if (!interruptedBoot(dir)) return notAMachine(dir, 'it has no machine.json');
    // Files the user added since stop the boot that would recover it: name them rather than send the user to a refusal.
    return foreignToBoot(dir, false) ?? notAMachine(dir, interruptedBootWhy(dir));
  }
  return undefined;
}

/** Whether the lock in dir is a kmodsim boot's that ended before it let go (killed mid-write). */
const interruptedBoot = (dir: string): boolean => isDeadBoot(inspectLock(machineFiles(dir).lock));

const isDeadBoot = (holder: ReturnType<typeof inspectLock>): boolean =>
  holder.kind === 'kmodsim' && !holder.running && holder.owner.command.startsWith('kmodsim boot');

// What a user needs after a boot or reboot was killed: boot replaces exactly what the dead boot
// wrote (its lock marks those files as kmodsim's), so the same command recovers the directory.
const interruptedBootWhy = (dir: string): string =>
  `it has no machine.json: a kmodsim boot of it was interrupted before it finished; boot it again with: kmodsim boot --machine ${dir}`;

/** Why a name in a directory cannot be looked up, other than its absence (EACCES: no search permission). */
function lookupProblem(path: string): string | undefined {
  try {
    lstatSync(path);
    return undefined;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? undefined : describeFsError(error);
  }
}

/** Whether a name exists in its directory (a link counts, whatever it points at). */
function hasEntry(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

export function openMachine(dir: string): StoreResult<OpenMachine> {
  const problem = checkMachineDir(dir);
  if (problem !== undefined) return problem;
  const files = machineFiles(dir);
  const config = readBootConfig(files.config);
  if (!config.ok) return config.kind === 'unreadable' ? ioFailure(dir, `cannot read ${files.config}: ${config.message}`) : damaged(dir, 'machine.json', config.message);
  const journal = readJournal(files.journal);
  if (!journal.ok) {
    return journal.kind === 'damaged' ? damaged(dir, 'journal', journal.message) : ioFailure(dir, `cannot read ${files.journal}: ${journal.message}`);
  }
  return ok({ dir, config: config.value, journal: journal.value });
}

/** Runs `body` on the machine with the lock held, so nobody else changes it meanwhile; F: failures of the body's own. */
export function withLockedMachine<T, F extends Failure = StoreError>(
  dir: string, command: string, body: (machine: OpenMachine) => Result<T, StoreError | F>,
): Result<T, StoreError | F> {
  // A directory without machine.json but with a running boot's lock is being booted (or
  // rebooted): checkMachineDir waits for the boot and looks again. Nothing is written into a
  // directory that is not a machine, not even a lock.
  const problem = checkMachineDir(dir);
  if (problem !== undefined) return problem;
  const locked = acquireLock(dir, machineFiles(dir).lock, command);
  if (!locked.ok) return locked;
  try {
    const machine = openMachine(dir);
    if (!machine.ok) return machine;
    removeLeftovers(dir);
    return body(machine.value);
  } catch (error) {
    return ioError(dir, error);
  } finally {
    locked.value.release();
  }
}

/** While a running kmodsim boot holds the lock of a directory that is not a machine yet, waits for it; the problem that remains. */
function awaitBoot(dir: string, problem: StoreError | undefined): StoreError | undefined {
  const lock = machineFiles(dir).lock;
  const startMs = Date.now();
  let current = problem;
  while (current?.kind === 'not-a-machine' && Date.now() - startMs < DEFAULT_LOCK_TIMEOUT_MS) {
    const holder = inspectLock(lock);
    // Looked at again after the lock: a boot that finished since the first look wrote machine.json
    // before it let go of the lock, and the directory is a machine now.
    if (holder.kind !== 'kmodsim' || !holder.running || !holder.owner.command.startsWith('kmodsim boot')) return lookAtMachineDir(dir);
    sleepMs(5);
    current = lookAtMachineDir(dir);
  }
  return current;
}

/**
 * Clears what commands killed mid-write left (their temporaries), so that leftovers do not pile
 * up: every command that changes or refreshes the machine passes here, under the lock. Only a
 * machine that opened cleanly is swept, so a damaged one is left exactly as it was found.
 */
function removeLeftovers(dir: string): void {
  const files = machineFiles(dir);
  const written = new Set([basename(files.config), basename(files.snapshot), basename(files.state), basename(files.lock), `${basename(files.lock)}.break`]);
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
  if (!made.ok) return ioFailure(dir, made.path === dir ? `cannot create the directory: ${made.message}` : `cannot create ${made.path}: ${made.message}`);
  const files = machineFiles(dir);
  // A directory that is not a machine is booted only when it is empty (but for a kmodsim boot's
  // lock): nothing of the user's is removed, not even a file named lock or machine.json. A
  // machine is a directory whose machine.json is a regular file in kmodsim's format.
  // (While another boot runs, its files are no one else's: the check waits for its lock.)
  // Read in this order, the files first, the lock next, machine.json last: a boot running beside
  // this one writes its files only while it holds the lock and writes machine.json before it lets
  // go, so files seen here are either under a running boot's lock or part of a finished machine.
  // (Read the other way round, a boot that finished in between left files that looked like the
  // user's, and the loser of two boots was told the directory was not a machine.)
  const strays = strayFiles(dir);
  // A boot killed while it filled the directory left its lock (a dead kmodsim boot's) beside
  // what it wrote: those files are kmodsim's, and this boot replaces them (only them).
  const holder = inspectLock(files.lock);
  const isMachine = isMachineConfig(files.config);
  const bootRunning = holder.kind === 'kmodsim' && holder.running;
  const halfBooted = isDeadBoot(holder);
  if (!isMachine && !bootRunning && !halfBooted && strays.length > 0) return holdsOtherFiles(dir);
  // Refused before the dead boot's lock is replaced, so that it still marks the files as kmodsim's.
  const interrupted = !isMachine && halfBooted ? foreignToBoot(dir, false) : undefined;
  if (interrupted !== undefined) return interrupted;
  // The checks are made again under the lock: a boot running beside this one holds it while it
  // fills the directory, and what it leaves is a machine (exists), not someone else's files.
  const locked = acquireLock(dir, files.lock, 'kmodsim boot', DEFAULT_LOCK_TIMEOUT_MS, isMachine ? 'machine' : 'new-machine');
  if (!locked.ok) return locked;
  try {
    const cleared = clearForBoot(dir, reboot, halfBooted);
    if (!cleared.ok) return cleared;
    contents.fill(dir);
    writeBootConfig(files.config, config);
    contents.seal(dir);
    return ok(undefined);
  } catch (error) {
    return ioError(dir, error);
  } finally {
    locked.value.release();
  }
}

/**
 * Under the lock: removes the machine being replaced (or what an interrupted boot wrote), by name
 * and type, and nothing else. A user's file where boot writes (inside lib/, images/, depmod/, or
 * under a machine file's name) stops the boot, named; one elsewhere stays where it is.
 */
function clearForBoot(dir: string, reboot: boolean, halfBooted: boolean): StoreResult<void> {
  const isMachine = isMachineConfig(machineFiles(dir).config);
  if (isMachine && !reboot) return exists(dir);
  if (!isMachine && !halfBooted && strayFiles(dir).length > 0) return holdsOtherFiles(dir);
  const foreign = foreignToBoot(dir, isMachine);
  if (foreign !== undefined) return foreign;
  const entries = machineEntries(dir, isMachine);
  removeMachineEntries(dir, entries);
  return ok(undefined);
}

/** The user's files that stop a boot here: any, in a directory that is not a machine yet; in a machine, those where boot writes. */
function foreignToBoot(dir: string, isMachine: boolean): StoreError | undefined {
  const unknown = machineEntries(dir, isMachine).unknown;
  const foreign = isMachine ? unknown.filter(inBootsWay) : unknown;
  if (foreign.length === 0) return undefined;
  return isMachine
    ? foreignFiles(dir, `it holds files a machine does not consist of where kmodsim boot writes (${someNames(foreign)}); move them aside to reboot it`)
    : notAMachine(dir, `a boot of it was interrupted, and it holds files kmodsim did not write (${someNames(foreign)}); move them aside to boot it`);
}

const holdsOtherFiles = (dir: string): StoreError =>
  notAMachine(dir, hasEntry(machineFiles(dir).config)
    ? 'its machine.json is not one kmodsim wrote, and kmodsim boot writes only into an empty directory'
    : 'it holds other files, and kmodsim boot writes only into an empty directory');

/** What a directory that is not a machine holds besides a kmodsim lock and this host's lock temporaries. */
function strayFiles(dir: string): string[] {
  const lock = basename(machineFiles(dir).lock);
  return readdirSync(dir).filter((name) => {
    if (name === lock) return inspectLock(join(dir, name)).kind !== 'kmodsim';
    const temporary = parseTemporaryName(name);
    const ours = temporary !== undefined && (temporary.target === lock || temporary.target === `${lock}.break`);
    // A lock temporary of this host is kmodsim taking the lock: a dead process's is a leftover,
    // a live one's a boot between writing its lock and linking it into place, which this boot
    // waits for (under the lock) rather than take for someone else's files.
    return !(ours && temporary.thisHost);
  });
}

/** The name a module file is kept under: its SHA-256 in hex. */
export function imageSha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Keeps a module file in the machine by its SHA-256, so a replay reads the very bytes insmod read. */
export function saveImage(dir: string, bytes: Uint8Array): string {
  const sha256 = imageSha256(bytes);
  const images = machineFiles(dir).images;
  const path = join(images, `${sha256}.ko`);
  if (!ownEntryExists(images, true)) makeDirectoriesOrThrow(images);
  if (!ownEntryExists(path)) writeFileAtomic(path, bytes);
  return sha256;
}

export function readImage(dir: string, sha256: string): Uint8Array | undefined {
  const read = readOwnFile(join(machineFiles(dir).images, `${sha256}.ko`), MAX_IMAGE_BYTES);
  return read.ok && read.value.kind === 'read' ? read.value.bytes : undefined;
}
