import { readFileSync } from 'node:fs';
import { checksumOf } from './checksum.js';
import { writeFileAtomic } from './durable-file.js';

// The derived views of a machine after its last command — what lsmod, /proc/modules, dmesg and
// ps show — so that read-only commands answer without replaying the journal. A cache only: the
// journal is the truth, and a snapshot that is stale or damaged is rebuilt from it. This file is
// on lsmod's path, so it imports nothing but Node's own modules.

export interface SnapshotModule {
  readonly name: string;
  readonly sizeBytes: number;
  readonly refcount: number;
  readonly holders: readonly string[];
  readonly state: 'Live' | 'Loading' | 'Unloading';
}

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

export type SnapshotRead =
  | { readonly kind: 'fresh'; readonly snapshot: Snapshot }
  | { readonly kind: 'stale' }
  | { readonly kind: 'damaged'; readonly why: string };

/** Writes the views, stamped with the journal as it is on disk now (the caller holds the lock). */
export function writeSnapshot(path: string, journalPath: string, views: Omit<Snapshot, 'format' | 'journalBytes' | 'journalChecksum'>): Snapshot {
  const journal = readJournalBytes(journalPath);
  const snapshot: Snapshot = { format: SNAPSHOT_FORMAT, journalBytes: journal.length, journalChecksum: checksumOf(journal), ...views };
  const json = JSON.stringify(snapshot);
  writeFileAtomic(path, `${checksumOf(json)}\n${json}`);
  return snapshot;
}

function readJournalBytes(journalPath: string): Buffer {
  try {
    return readFileSync(journalPath);
  } catch {
    return Buffer.alloc(0);
  }
}

/** The snapshot, if it describes the journal as it is now and the time now. */
export function readFreshSnapshot(snapshotPath: string, journalPath: string, nowWallMs: number): SnapshotRead {
  let text: string;
  try {
    text = readFileSync(snapshotPath, 'utf8');
  } catch {
    return { kind: 'stale' };
  }
  const journal = readJournalBytes(journalPath);
  const newline = text.indexOf('\n');
  const json = text.slice(newline + 1);
  if (newline !== 8 || checksumOf(json) !== text.slice(0, 8)) return { kind: 'damaged', why: 'checksum mismatch' };
  let snapshot: Snapshot;
  try {
    snapshot = JSON.parse(json) as Snapshot;
  } catch {
    return { kind: 'damaged', why: 'not JSON' };
  }
  if (snapshot.format !== SNAPSHOT_FORMAT) return { kind: 'stale' };
  if (snapshot.journalBytes !== journal.length || snapshot.journalChecksum !== checksumOf(journal)) return { kind: 'stale' };
  if (snapshot.validUntilWallMs !== null && nowWallMs >= snapshot.validUntilWallMs) return { kind: 'stale' };
  return { kind: 'fresh', snapshot };
}
