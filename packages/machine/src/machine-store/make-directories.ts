import { mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Errno, Failure, Result } from '@kmodsim/cpu';

// `mkdir -p`, one level at a time. Node's mkdirSync(dir, { recursive: true }) retries a level
// that fails with ENOENT after finding its parent present, and under /proc (where creating any
// entry fails with ENOENT) that never ends: `kmodsim boot --machine /proc/x` hung. Here each
// missing level is created once, from the deepest existing ancestor down, and the first failure
// is returned with the path it was about.

/** Done, or the first level that could not be made (`path`) and why. */
export type MadeDirectories = Result<undefined, Failure & { readonly path: string }>;

/**
 * The C library's words for what mkdir(2) and stat(2) say here; anything else keeps Node's
 * message. cpu's strerror has them all, but the store is on lsmod's path, which does not load
 * @kmodsim/cpu (about 50 ms): these few are kept here.
 */
const STRERROR: Readonly<Partial<Record<Errno, string>>> = {
  ENOENT: 'No such file or directory',
  ENOTDIR: 'Not a directory',
  EACCES: 'Permission denied',
  EPERM: 'Operation not permitted',
  EROFS: 'Read-only file system',
  ENOSPC: 'No space left on device',
  ELOOP: 'Too many levels of symbolic links',
  ENAMETOOLONG: 'File name too long',
};

export function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code !== undefined && Object.hasOwn(STRERROR, code)) return STRERROR[code as Errno] ?? code;
  return error instanceof Error ? error.message : String(error);
}

/** The errno Node gave, when it is one of the table's; EIO for any other. */
export function errnoOf(error: unknown): Errno {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code !== undefined && Object.hasOwn(STRERROR, code) ? (code as Errno) : 'EIO';
}

/** A failed level: the errno Node gave, and its words. */
function failedAt(path: string, error: unknown): MadeDirectories {
  return { ok: false, errno: errnoOf(error), message: describeFsError(error), path };
}

export function makeDirectories(dir: string): MadeDirectories {
  const missing: string[] = [];
  for (let path = resolve(dir); ; path = dirname(path)) {
    const found = lookAt(path);
    if (found === 'directory') break;
    if (found === 'file') return { ok: false, errno: 'ENOTDIR', message: STRERROR.ENOTDIR ?? 'Not a directory', path };
    if (found !== 'missing') return failedAt(path, found.error);
    missing.unshift(path);
    // The root always exists; this only guards the loop against a dirname that stops moving.
    if (dirname(path) === path) break;
  }
  for (const path of missing) {
    try {
      mkdirSync(path);
    } catch (error) {
      // Another process (a second boot) may have made it meanwhile: that is what we wanted.
      if ((error as NodeJS.ErrnoException).code === 'EEXIST' && lookAt(path) === 'directory') continue;
      return failedAt(path, error);
    }
  }
  return { ok: true, value: undefined };
}

/** For directories inside a machine that exists, where a failure is an I/O error of the command's. */
export function makeDirectoriesOrThrow(dir: string): void {
  const made = makeDirectories(dir);
  if (!made.ok) throw new Error(`cannot create ${made.path}: ${made.message}`);
}

function lookAt(path: string): 'directory' | 'file' | 'missing' | { error: unknown } {
  try {
    return statSync(path).isDirectory() ? 'directory' : 'file';
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : { error };
  }
}
