import { closeSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { processHasEnded } from './process-alive.js';
import type { StoreError } from './store-error.js';

// One command at a time changes a machine: a lock file created with O_EXCL, holding the pid,
// host and command of its owner. A lock whose owner has died (a crash, kill -9) is stale and is
// broken — under a second lock file, so that two waiters cannot both break it and then one
// delete the lock the other has just taken.

export interface LockHandle {
  release(): void;
}

const RETRY_MS = 5;
const BREAKER_STALE_MS = 5_000;
export const DEFAULT_LOCK_TIMEOUT_MS = 60_000;

export function acquireLock(dir: string, lockPath: string, command: string, timeoutMs = DEFAULT_LOCK_TIMEOUT_MS): { ok: true; lock: LockHandle } | { ok: false; error: StoreError } {
  const owner = `${process.pid}\n${hostname()}\n${command}\n`;
  const startMs = Date.now();
  for (;;) {
    if (tryCreate(lockPath, owner)) return { ok: true, lock: { release: () => { removeIfOurs(lockPath, owner); } } };
    const current = readOwner(lockPath);
    if (current !== undefined && isStale(current, lockPath)) breakStale(lockPath, current);
    else if (Date.now() - startMs > timeoutMs) {
      return { ok: false, error: { kind: 'locked', dir, holder: describeOwner(current), waitedMs: Date.now() - startMs } };
    } else sleepMs(RETRY_MS);
  }
}

function tryCreate(path: string, content: string): boolean {
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

function readOwner(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** Stale: written by a process of this host that no longer runs (or torn by a crash while written). */
function isStale(owner: string, lockPath: string): boolean {
  const [pidText, host] = owner.split('\n');
  // A lock file whose owner line is incomplete: its writer died, or is still writing it.
  if (host === undefined || host === '') return olderThan(lockPath, BREAKER_STALE_MS);
  if (host !== hostname()) return false;
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0) return true;
  return processHasEnded(pid);
}

function olderThan(path: string, ms: number): boolean {
  try {
    return Date.now() - statSync(path).mtimeMs > ms;
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
  if (readOwner(path) === owner) unlinkSync(path);
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
