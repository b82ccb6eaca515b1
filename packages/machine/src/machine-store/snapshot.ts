import { dirname } from 'node:path';
import type { Failure } from '@kmodsim/cpu';
import type { ModuleInfo } from '@kmodsim/module';
import { checksumOf } from './checksum.js';
import { writeFileAtomic } from './durable-file.js';
import { machineFiles } from './location.js';
import { MAX_JOURNAL_BYTES } from './journal.js';
import { readOwnFile } from './own-file.js';

// The derived views of a machine after its last command — what lsmod, /proc/modules, dmesg and
// ps show — so that read-only commands answer without replaying the journal. A cache only: the
// journal is the truth, and a snapshot that is stale or damaged is rebuilt from it. This file is
// on lsmod's path, so at run time it imports nothing but Node's own modules (types are erased).
//
// A snapshot is current only for the machine.json and the journal it was taken from, byte for
// byte: so a reader that trusts it sees a damaged or replaced machine.json exactly as a command
// that opens the machine does (the rebuild reports the damage), instead of answering from views
// of a machine that can no longer be booted.

/** lsmod's columns of a module, as the module core reports them. */
export type SnapshotModule = Pick<ModuleInfo, 'name' | 'sizeBytes' | 'refcount' | 'holders' | 'state'>;

export interface SnapshotTask {
  readonly pid: number;
  /** ps's STAT letter: R running, S sleeping, D uninterruptible. */
  readonly stat: string;
  readonly cpu: number;
  readonly comm: string;
  /** What the task is doing, for people. */
  readonly doing: string;
}

export interface SnapshotDmesgLine {
  readonly seconds: number;
  readonly text: string;
}

/**
 * What a snapshot's views mean: raised whenever a kmodsim replays a journal differently (as when
 * a command's record came to run until the whole machine is quiet), so views an older kmodsim
 * derived are rebuilt rather than shown.
 */
export const SNAPSHOT_FORMAT = 2;

export interface Snapshot {
  readonly format: number;
  /** The journal's length in bytes when this was taken: a different length means it is stale. */
  readonly journalBytes: number;
  /** And the journal's checksum: an edited or corrupted journal is never read through a stale snapshot. */
  readonly journalChecksum: string;
  readonly asOfWallMs: number;
  /** When simulated time will change what it shows (a holder's --for ends); null: never by itself. */
  readonly validUntilWallMs: number | null;
  readonly kernelTaint: string;
  /** /proc/sys/kernel/tainted: one bit per taint flag, in the kernel's order. */
  readonly taintMask: number;
  readonly modules: readonly SnapshotModule[];
  readonly procModules: string;
  readonly dmesg: readonly SnapshotDmesgLine[];
  readonly dmesgText: string;
  readonly tasks: readonly SnapshotTask[];
}

/** A snapshot file kmodsim did not write as it is (a checksum that does not match, text that is not JSON). */
export type SnapshotDamaged = Failure<'EIO'> & { readonly kind: 'damaged' };

/**
 * A snapshot current for the machine as it is (fresh), or one to rebuild from the journal: stale
 * (missing, or taken before a later command or time), which is no failure, or damaged, which the
 * rebuild reports.
 */
export type SnapshotRead = { readonly kind: 'fresh'; readonly snapshot: Snapshot } | { readonly kind: 'stale' } | SnapshotDamaged;

const STALE: SnapshotRead = { kind: 'stale' };
// cpu's fail, written out: this file does not load @kmodsim/cpu (see store-error.ts).
const damaged = (message: string): SnapshotDamaged => ({ ok: false, errno: 'EIO', message, kind: 'damaged' });

/** What a snapshot file holds beyond the views: the machine.json it was taken with. */
interface SnapshotFile extends Snapshot {
  readonly configChecksum: string;
}

/** Writes the views, stamped with machine.json and the journal as they are on disk now (the caller holds the lock). */
export function writeSnapshot(path: string, journalPath: string, views: Omit<Snapshot, 'format' | 'journalBytes' | 'journalChecksum'>): Snapshot {
  const journal = readBytes(journalPath);
  const snapshot: Snapshot = { format: SNAPSHOT_FORMAT, journalBytes: journal.length, journalChecksum: checksumOf(journal), ...views };
  const file: SnapshotFile = { ...snapshot, configChecksum: checksumOf(readBytes(configBeside(path))) };
  const json = JSON.stringify(file);
  writeFileAtomic(path, `${checksumOf(json)}\n${json}`);
  return snapshot;
}

/** The machine.json of the machine directory a snapshot lives in. */
function configBeside(snapshotPath: string): string {
  return machineFiles(dirname(snapshotPath)).config;
}

/** The largest snapshot read: views of a machine are far smaller. */
const MAX_SNAPSHOT_BYTES = 64 * 1024 * 1024;

/**
 * A file's bytes; none for a file that is missing, unreadable or not a regular file (which no
 * stamp matches, so the machine is opened and the problem reported by the store).
 */
function readBytes(path: string): Buffer {
  return readIfOwn(path) ?? Buffer.alloc(0);
}

/** A missing file reads as empty; one that is not a regular file, or cannot be read, as nothing. */
function readIfOwn(path: string): Buffer | undefined {
  const read = readOwnFile(path, MAX_JOURNAL_BYTES);
  if (!read.ok) return undefined;
  return read.value.kind === 'read' ? read.value.bytes : Buffer.alloc(0);
}

/** The snapshot, if it describes machine.json and the journal as they are now, and the time now. */
export function readFreshSnapshot(snapshotPath: string, journalPath: string, nowWallMs: number): SnapshotRead {
  const read = readOwnFile(snapshotPath, MAX_SNAPSHOT_BYTES);
  if (!read.ok || read.value.kind !== 'read') return STALE;
  const text = read.value.bytes.toString('utf8');
  // A journal that is not a regular file is never answered for from a snapshot: the store reports it.
  const journal = readIfOwn(journalPath);
  if (journal === undefined) return STALE;
  const newline = text.indexOf('\n');
  const json = text.slice(newline + 1);
  if (newline !== 8 || checksumOf(json) !== text.slice(0, 8)) return damaged('checksum mismatch');
  let snapshot: SnapshotFile;
  try {
    snapshot = JSON.parse(json) as SnapshotFile;
  } catch {
    return damaged('not JSON');
  }
  if (snapshot.format !== SNAPSHOT_FORMAT) return STALE;
  if (snapshot.journalBytes !== journal.length || snapshot.journalChecksum !== checksumOf(journal)) return STALE;
  if (snapshot.configChecksum !== checksumOf(readBytes(configBeside(snapshotPath)))) return STALE;
  if (snapshot.validUntilWallMs !== null && nowWallMs >= snapshot.validUntilWallMs) return STALE;
  return { kind: 'fresh', snapshot };
}
