import { lstatSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { checksumOf } from './checksum.js';
import { writeFileAtomic } from './durable-file.js';
import { MAX_JOURNAL_BYTES } from './journal.js';
import { machineFiles } from './location.js';
import { readOwnFile } from './own-file.js';

// machine.state: the whole simulated machine after the last command, as bytes, so that the next
// command loads it instead of booting and replaying the journal (whose cost grows with every
// command ever given). A cache, like snapshot.json: the journal stays the durable log, and a state
// that is missing, stale (taken before the journal's last record), of another kmodsim or damaged
// is rebuilt from the journal. Stamped with machine.json and the journal byte for byte.
//
// Layout: a line "kmodsim machine state N", a line of JSON (the stamp), a line of JSON (the
// session's own bookkeeping: holders, notes, outcomes), then the machine's snapshot bytes (which
// carry their own format and CRC-32).

/** Raised whenever what the state holds changes meaning; a state of another format is rebuilt. */
export const MACHINE_STATE_FORMAT = 1;
const MAGIC = `kmodsim machine state ${MACHINE_STATE_FORMAT}\n`;
const MAX_STATE_BYTES = 512 * 1024 * 1024;

interface Stamp {
  readonly journalBytes: number;
  readonly journalChecksum: string;
  readonly configChecksum: string;
  /** The session line's and the machine bytes' checksum. */
  readonly bodyChecksum: string;
}

/** A state to load, or why not: none or stale (no failure), or damaged (worth a notice). */
export type StateRead =
  | { readonly kind: 'fresh'; readonly session: unknown; readonly machine: Uint8Array }
  | { readonly kind: 'stale' }
  /** The journal is shorter than when the state was saved: acknowledged commands are gone. */
  | { readonly kind: 'journal-cut'; readonly journalBytes: number; readonly stampBytes: number }
  | { readonly kind: 'damaged'; readonly why: string };

/** Writes the state, stamped with the journal and machine.json as they are on disk now (the caller holds the lock). */
export function writeMachineState(dir: string, session: unknown, machine: Uint8Array): void {
  const files = machineFiles(dir);
  const sessionLine = `${JSON.stringify(session)}\n`;
  const body = Buffer.concat([Buffer.from(sessionLine), machine]);
  const journal = bytesOf(files.journal);
  const stamp: Stamp = { journalBytes: journal.length, journalChecksum: checksumOf(journal), configChecksum: checksumOf(bytesOf(files.config)), bodyChecksum: checksumOf(body) };
  // A cache: not worth waiting for the disk (see writeFileAtomic).
  writeFileAtomic(files.state, Buffer.concat([Buffer.from(MAGIC), Buffer.from(`${JSON.stringify(stamp)}\n`), body]), false);
}

/** The state on disk, if it was taken with the journal and machine.json as they are now. */
export function readMachineState(dir: string): StateRead {
  const files = machineFiles(dir);
  const read = readOwnFile(files.state, MAX_STATE_BYTES);
  if (!read.ok) return { kind: 'damaged', why: read.message };
  if (read.value.kind !== 'read') return { kind: 'stale' };
  const bytes = read.value.bytes;
  const magicEnd = bytes.indexOf(0x0a);
  const header = bytes.subarray(0, magicEnd + 1).toString('latin1');
  if (!header.startsWith('kmodsim machine state ')) return { kind: 'damaged', why: 'it is not a kmodsim machine state' };
  if (header !== MAGIC) return { kind: 'stale' };
  const stampEnd = bytes.indexOf(0x0a, magicEnd + 1);
  const sessionEnd = stampEnd < 0 ? -1 : bytes.indexOf(0x0a, stampEnd + 1);
  if (sessionEnd < 0) return { kind: 'damaged', why: 'it is cut short' };
  let stamp: Stamp;
  let session: unknown;
  try {
    stamp = JSON.parse(bytes.subarray(magicEnd + 1, stampEnd).toString('utf8')) as Stamp;
    session = JSON.parse(bytes.subarray(stampEnd + 1, sessionEnd).toString('utf8'));
  } catch {
    return { kind: 'damaged', why: 'its header is not JSON' };
  }
  if (!isStamp(stamp)) return { kind: 'damaged', why: 'its header is not laid out as kmodsim writes it' };
  const body = bytes.subarray(stampEnd + 1);
  if (checksumOf(body) !== stamp.bodyChecksum) return { kind: 'damaged', why: 'checksum mismatch' };
  const journal = bytesOf(files.journal);
  if (journal.length < stamp.journalBytes) return { kind: 'journal-cut', journalBytes: journal.length, stampBytes: stamp.journalBytes };
  if (stamp.journalBytes !== journal.length || stamp.journalChecksum !== checksumOf(journal)) return { kind: 'stale' };
  if (stamp.configChecksum !== checksumOf(bytesOf(machineFiles(dirname(files.state)).config))) return { kind: 'stale' };
  return { kind: 'fresh', session, machine: bytes.subarray(sessionEnd + 1) };
}

function isStamp(value: unknown): value is Stamp {
  if (typeof value !== 'object' || value === null) return false;
  const stamp = value as Record<string, unknown>;
  return typeof stamp.journalBytes === 'number' && typeof stamp.journalChecksum === 'string' && typeof stamp.configChecksum === 'string' && typeof stamp.bodyChecksum === 'string';
}

/** A file's bytes; empty when missing or not one of the machine's own regular files. */
function bytesOf(path: string): Buffer {
  const read = readOwnFile(path, MAX_JOURNAL_BYTES);
  return read.ok && read.value.kind === 'read' ? read.value.bytes : Buffer.alloc(0);
}

/**
 * Saves the state, or says in a line why it could not (a full disk, a directory in its place):
 * the command has been recorded by then, so nothing here may fail it. A state that could not be
 * written is removed when it is a file, so the next command replays the journal instead.
 */
export function saveMachineState(dir: string, state: { readonly session: unknown; readonly machine: Uint8Array } | undefined): string | undefined {
  const path = machineFiles(dir).state;
  try {
    if (state !== undefined) {
      writeMachineState(dir, state.session, state.machine);
      return undefined;
    }
    removeIfFile(path);
    return undefined;
  } catch (error) {
    removeIfFile(path);
    return `${path} could not be saved (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); the next command replays the journal`;
  }
}

/** Removes the path when it is a file (or a link) of ours; anything else is left alone. */
function removeIfFile(path: string): void {
  try {
    if (!lstatSync(path).isDirectory()) rmSync(path, { force: true });
  } catch {
    // Missing, or not ours to remove: a stale state is told apart by its stamp anyway.
  }
}
