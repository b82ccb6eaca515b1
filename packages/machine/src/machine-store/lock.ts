import { closeSync, linkSync, lstatSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename } from 'node:path';
import { temporaryPathFor } from './durable-file.js';
import { describeFsError } from './make-directories.js';
import { NotOwnFile, openOwnForReplace, readOwnFile } from './own-file.js';
import { processHasEnded } from './process-alive.js';
import { crashPoint } from './crash-point.js';
import { damaged, ioFailure, locked, notAMachine, type StoreError, type StoreResult } from './store-error.js';

// One command at a time changes a machine: a lock file created with O_EXCL, holding the pid,
// host and command of its owner. A lock whose owner has died (a crash, kill -9) is stale and is
// broken — under a second lock file, so that two waiters cannot both break it and then one
// delete the lock the other has just taken. The lock is the machine's own file: a `lock` in a
// directory that is not a machine yet belongs to the user, and is never broken or removed.

export interface LockHandle {
  release(): void;
}

const RETRY_MS = 5;
const BREAKER_STALE_MS = 5_000;
export const DEFAULT_LOCK_TIMEOUT_MS = 60_000;
const MAX_LOCK_BYTES = 4096;

/**
 * machine: the directory holds machine.json, so its `lock` is kmodsim's (an old torn one is broken
 * once it is old). new-machine: boot of a directory that is not a machine yet, where a `lock`
 * kmodsim did not write is the user's file: it is never broken, and the boot is refused.
 */
export type LockMode = 'machine' | 'new-machine';

export type LockResult = StoreResult<LockHandle>;

export function acquireLock(dir: string, lockPath: string, command: string, timeoutMs = DEFAULT_LOCK_TIMEOUT_MS, mode: LockMode = 'machine'): LockResult {
  try {
    return acquire(dir, lockPath, command, timeoutMs, mode);
  } catch (error) {
    if (error instanceof NotOwnFile) return foreignLock(dir, mode, error.failure.message);
    return ioFailure(dir, `cannot lock the machine (${basename(lockPath)}): ${describeFsError(error)}`);
  }
}

function acquire(dir: string, lockPath: string, command: string, timeoutMs: number, mode: LockMode): LockResult {
  const owner = `${process.pid}\n${hostname()}\n${command}\n`;
  const startMs = Date.now();
  for (;;) {
    if (tryCreate(lockPath, owner)) return { ok: true, value: { release: () => { removeIfOurs(lockPath, owner); } } };
    const current = readOwner(lockPath);
    if (current !== undefined && mode === 'new-machine' && parseOwner(current) === undefined) {
      return foreignLock(dir, mode, 'it was not written by kmodsim');
    }
    // Whole lines that no kmodsim wrote (a pid no process can have): damage now, not after the
    // minute's wait a lock still being written would deserve.
    if (current !== undefined && parseOwner(current) === undefined && /^[^\n]*\n[^\n]+\n[^\n]*\n$/.test(current)) {
      return foreignLock(dir, mode, `its first line, '${current.slice(0, current.indexOf('\n')).slice(0, 40)}', is not a process ID`);
    }
    if (current !== undefined && isStale(current, lockPath)) breakStale(lockPath, current);
    else if (Date.now() - startMs > timeoutMs) {
      return locked(dir, describeOwner(current), Date.now() - startMs);
    } else sleepMs(RETRY_MS);
  }
}

function foreignLock(dir: string, mode: LockMode, why: string): StoreError {
  return mode === 'new-machine'
    ? notAMachine(dir, `it holds a file named lock, and ${why}`)
    : damaged(dir, 'lock', why);
}

interface LockOwner {
  readonly pid: number;
  readonly host: string;
  readonly command: string;
}

/** A complete lock as kmodsim writes it: pid, host and command, one a line. */
export function parseOwner(text: string): LockOwner | undefined {
  const match = /^(\d{1,15})\n([^\n]+)\n([^\n]*)\n$/.exec(text);
  if (match === null) return undefined;
  return { pid: Number(match[1]), host: match[2] ?? '', command: match[3] ?? '' };
}

/** What holds the lock at lockPath: nobody, a kmodsim command (running or not), or a file kmodsim did not write. */
export function inspectLock(lockPath: string): { kind: 'none' } | { kind: 'kmodsim'; owner: LockOwner; running: boolean } | { kind: 'foreign' } {
  const read = readOwnFile(lockPath, MAX_LOCK_BYTES, false, true);
  if (read.ok && read.value.kind === 'missing') return { kind: 'none' };
  const owner = read.ok && read.value.kind === 'read' ? parseOwner(read.value.bytes.toString('utf8')) : undefined;
  if (owner === undefined) return { kind: 'foreign' };
  return { kind: 'kmodsim', owner, running: owner.host !== hostname() || !processHasEnded(owner.pid) };
}

/**
 * Creates the lock with its whole content at once: written to a temporary and linked into place
 * (link(2) fails with EEXIST like O_EXCL), so no reader ever sees a half-written lock, even one
 * whose writer was killed. Where the file system has no hard links, O_EXCL and a write.
 */
function tryCreate(path: string, content: string): boolean {
  const temporary = temporaryPathFor(path);
  const fd = openOwnForReplace(temporary);
  try {
    writeSync(fd, content);
  } catch (error) {
    // A full disk: the half-written temporary is ours to remove, not the user's to find later.
    closeSync(fd);
    unlinkSync(temporary);
    throw error;
  }
  closeSync(fd);
  crashPoint('lock-written');
  try {
    linkSync(temporary, path);
    crashPoint('lock-linked');
    return true;
  } catch (error) {
    if (isCode(error, 'EEXIST')) return false;
    if (isCode(error, 'EPERM') || isCode(error, 'ENOTSUP') || isCode(error, 'EOPNOTSUPP')) return createExclusive(path, content);
    throw error;
  } finally {
    unlinkSync(temporary);
  }
}

function createExclusive(path: string, content: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o644);
  } catch (error) {
    if (isCode(error, 'EEXIST')) return false;
    throw error;
  }
  try {
    writeSync(fd, content);
  } finally {
    closeSync(fd);
  }
  return true;
}

/** The lock's content; undefined when it is gone. A lock that is not a regular file is refused (NotOwnFile). */
function readOwner(path: string): string | undefined {
  const read = readOwnFile(path, MAX_LOCK_BYTES, false, true);
  if (!read.ok) throw read.kind === 'refused' ? new NotOwnFile(path, read) : new Error(read.message);
  return read.value.kind === 'read' ? read.value.bytes.toString('utf8') : undefined;
}

/** Stale: written by a process of this host that no longer runs (or torn by a crash while written). */
function isStale(owner: string, lockPath: string): boolean {
  const [pidText, host] = owner.split('\n');
  // A lock file whose owner line is incomplete: written by an older kmodsim that died while writing it.
  if (host === undefined || host === '') return olderThan(lockPath, BREAKER_STALE_MS);
  if (host !== hostname()) return false;
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0) return true;
  return processHasEnded(pid);
}

function olderThan(path: string, ms: number): boolean {
  try {
    return Date.now() - lstatSync(path).mtimeMs > ms;
  } catch {
    return false;
  }
}

function breakStale(lockPath: string, staleOwner: string): void {
  const breaker = `${lockPath}.break`;
  if (!tryCreate(breaker, `${process.pid}\n${hostname()}\n`)) {
    removeOldBreaker(breaker);
    sleepMs(RETRY_MS);
    return;
  }
  try {
    // Only the lock we judged stale goes: someone may have broken it and taken it since.
    if (readOwner(lockPath) === staleOwner) unlinkSync(lockPath);
  } finally {
    unlinkSync(breaker);
  }
}

/** A breaker that died between creating and removing its file: old enough means gone. */
function removeOldBreaker(breaker: string): void {
  if (!olderThan(breaker, BREAKER_STALE_MS)) return;
  try {
    unlinkSync(breaker);
  } catch {
    // Removed by its owner meanwhile: nothing to do.
  }
}

function removeIfOurs(path: string, owner: string): void {
  try {
    if (readOwner(path) === owner) unlinkSync(path);
  } catch {
    // Not ours to judge: a lock that cannot be read is left as it is.
  }
}

function describeOwner(owner: string | undefined): string {
  if (owner === undefined) return 'another process';
  const [pid, host, command] = owner.split('\n');
  return `pid ${pid ?? '?'} on ${host ?? '?'} (${command ?? '?'})`;
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** A synchronous sleep: commands hold no event loop work while they wait for the lock. */
export function sleepMs(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}

function isCode(error: unknown, code: string): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === code;
}
