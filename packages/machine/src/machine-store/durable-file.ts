import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { checksumOf } from './checksum.js';
import { openOwnForAppend, openOwnForReplace } from './own-file.js';
import { crashPoint } from './crash-point.js';

// Writes that survive a crash at any point: a reader sees the old file or the new one, never
// half of one, and once these return the data is on disk (fsync of the file, then of the
// directory that names it).
//
// The new content goes first to a temporary beside the target, named for its writer: host and
// pid. A writer killed before its rename leaves that file behind; the name is what lets a later
// command tell a dead writer's leftover (removeDeadTemporaries) from a live writer's work.

/** This host, as eight hex digits: a host name may hold dots and digits, which a name must not mix up with the pid. */
const HOST_TAG = checksumOf(hostname());

export function temporaryPathFor(path: string, pid = process.pid): string {
  return `${path}.${HOST_TAG}-${pid}.tmp`;
}

export interface TemporaryName {
  readonly target: string;
  readonly pid: number;
  /** Written on this host, so the pid is one this host's kill(2) can ask about. */
  readonly thisHost: boolean;
}

/**
 * What a temporary's name says about its writer; undefined for any other name. The older form
 * `TARGET.PID.tmp` (before the host was named) counts as this host's.
 */
export function parseTemporaryName(name: string): TemporaryName | undefined {
  const current = /^(.+)\.([0-9a-f]{8})-(\d+)\.tmp$/.exec(name);
  if (current !== null) return { target: current[1] ?? '', pid: Number(current[3]), thisHost: current[2] === HOST_TAG };
  const older = /^(.+)\.(\d+)\.tmp$/.exec(name);
  if (older !== null) return { target: older[1] ?? '', pid: Number(older[2]), thisHost: true };
  return undefined;
}

/**
 * Replaces a file at once (a rename), never leaving a half-written one. `durable` false skips
 * waiting for the disk, for a cache such as machine.state: a crash may lose it, which costs a
 * rebuild from the journal, and its checksum catches one the disk tore.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array, durable = true): void {
  const temporary = temporaryPathFor(path);
  // Never through a link planted under the temporary's name; the rename then replaces a link
  // at `path` itself rather than writing where it points.
  const fd = openOwnForReplace(temporary);
  try {
    crashPoint('replace-opened');
    writeAll(fd, data);
    crashPoint('replace-written');
    if (durable) fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    // A temporary half written (a full disk) is never renamed into place, nor left behind.
    rmSync(temporary, { force: true });
    throw error;
  }
  closeSync(fd);
  crashPoint('replace-synced');
  try {
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
  crashPoint('replace-renamed');
  if (durable) syncDirectory(dirname(path));
}

/** Appends and waits for the disk: an acknowledged append is never lost. */
export function appendDurable(path: string, text: string): void {
  const fd = openOwnForAppend(path);
  try {
    writeAll(fd, text);
    crashPoint('append-written');
    fsyncSync(fd);
    crashPoint('append-synced');
  } finally {
    closeSync(fd);
  }
}

/** Writes all of `data`, or throws: writeSync may write less than asked (a disk filling up) and say so only in what it returns. */
function writeAll(fd: number, data: string | Uint8Array): void {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  let written = 0;
  while (written < bytes.length) {
    const now = writeSync(fd, bytes, written, bytes.length - written);
    if (now === 0) throw Object.assign(new Error(`no space left to write (${written} of ${bytes.length} bytes written)`), { code: 'ENOSPC' });
    written += now;
  }
}

export function syncDirectory(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
