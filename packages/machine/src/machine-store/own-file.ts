import { closeSync, constants, fstatSync, lstatSync, openSync, readSync, type Stats } from 'node:fs';
import type { Errno, Failure, Result } from '@kmodsim/cpu';
import { describeFsError, errnoOf } from './make-directories.js';

// A machine's own files (machine.json, journal, snapshot.json, lock, images/*) are regular files
// kmodsim wrote. A symbolic link, a FIFO or a device in their place is someone else's file:
// following the link would truncate or append to whatever it names (`ln -s notes.txt journal`),
// and reading a FIFO or /dev/zero never ends. So every open here refuses to follow a link
// (O_NOFOLLOW), never blocks on a FIFO (O_NONBLOCK), checks the type of what it opened, and
// reads at most a stated number of bytes. The same reader serves module files given to insmod.

const { O_RDONLY, O_WRONLY, O_RDWR, O_APPEND, O_CREAT, O_TRUNC, O_NOFOLLOW, O_NONBLOCK } = constants;

/** A file read whole, or no file there: both are answers, not failures (a missing lock is a free one). */
export type OwnFile = { readonly kind: 'read'; readonly bytes: Buffer } | { readonly kind: 'missing' };

/**
 * Why a file could not be read or written as a machine's own. refused: it is not what kmodsim
 * keeps there (ELOOP a symbolic link, EINVAL not a regular file, EFBIG larger than the limit);
 * unreadable: the system refused (EACCES, EIO, ...), and the file may be fine.
 */
export type OwnFileFailure = Failure & { readonly kind: 'refused' | 'unreadable' };

export type OwnFileRead = Result<OwnFile, OwnFileFailure>;

// cpu's fail, written out: the store does not load @kmodsim/cpu (see store-error.ts).
const refused = (errno: Errno, message: string): OwnFileFailure => ({ ok: false, errno, message, kind: 'refused' });
const unreadable = (error: unknown): OwnFileFailure => ({ ok: false, errno: errnoOf(error), message: describeFsError(error), kind: 'unreadable' });

/** A machine file that is not a regular file kmodsim may write: thrown by the write paths, reported by the store. */
export class NotOwnFile extends Error {
  constructor(
    readonly path: string,
    readonly failure: OwnFileFailure,
  ) {
    super(`${path}: ${failure.message}`);
    this.name = 'NotOwnFile';
  }
}

/** What is wrong with a file of this type where a regular file belongs (EINVAL); undefined for a regular file. */
export function fileTypeProblem(stats: Stats): string | undefined {
  if (stats.isFile()) return undefined;
  if (stats.isDirectory()) return 'it is a directory, not a regular file';
  if (stats.isFIFO()) return 'it is a FIFO, not a regular file';
  if (stats.isCharacterDevice()) return 'it is a character device, not a regular file';
  if (stats.isBlockDevice()) return 'it is a block device, not a regular file';
  if (stats.isSocket()) return 'it is a socket, not a regular file';
  return 'it is not a regular file';
}

const linkRefused = (): OwnFileFailure => refused('ELOOP', 'it is a symbolic link, and kmodsim does not follow links for a machine\'s own files');

/**
 * A machine file with another name (a hard link) is someone else's file too: a truncation or an
 * append through the machine's name would change it (`ln notes.txt journal`). EINVAL, as a
 * file of the wrong type. (The lock is linked into place, so it has two names for an instant.)
 */
function hardLinkProblem(stats: Stats): OwnFileFailure | undefined {
  return stats.nlink > 1 ? refused('EINVAL', `it has ${stats.nlink} hard links, and kmodsim does not share a machine's own files with other names`) : undefined;
}

/** Reads a regular file of at most maxBytes, without following a link or blocking on a FIFO; a machine's own (not followLinks) has one name, unless sharedOk. */
export function readOwnFile(path: string, maxBytes: number, followLinks = false, sharedOk = false): OwnFileRead {
  let fd: number;
  try {
    fd = openSync(path, O_RDONLY | O_NONBLOCK | (followLinks ? 0 : O_NOFOLLOW));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { ok: true, value: { kind: 'missing' } };
    return code === 'ELOOP' ? linkRefused() : unreadable(error);
  }
  try {
    const stats = fstatSync(fd);
    const problem = fileTypeProblem(stats);
    if (problem !== undefined) return refused('EINVAL', problem);
    const linked = followLinks || sharedOk ? undefined : hardLinkProblem(stats);
    if (linked !== undefined) return linked;
    if (stats.size > maxBytes) return refused('EFBIG', `it is ${stats.size} bytes, more than the ${maxBytes}-byte limit`);
    // What the file held when it was opened; bytes appended meanwhile belong to a later read.
    const bytes = Buffer.alloc(stats.size);
    let done = 0;
    while (done < bytes.length) {
      const got = readSync(fd, bytes, done, bytes.length - done, done);
      if (got === 0) break;
      done += got;
    }
    return { ok: true, value: { kind: 'read', bytes: done === bytes.length ? bytes : bytes.subarray(0, done) } };
  } catch (error) {
    return unreadable(error);
  } finally {
    closeSync(fd);
  }
}

/** Opens a machine file for writing: never through a link, never anything but a regular file. */
function openOwnForWrite(path: string, flags: number): number {
  let fd: number;
  try {
    fd = openSync(path, flags | O_NOFOLLOW | O_NONBLOCK, 0o644);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOOP') throw new NotOwnFile(path, linkRefused());
    throw error;
  }
  const stats = fstatSync(fd);
  const problem = fileTypeProblem(stats);
  const linked = problem === undefined ? hardLinkProblem(stats) : refused('EINVAL', problem);
  if (linked !== undefined) {
    closeSync(fd);
    throw new NotOwnFile(path, linked);
  }
  return fd;
}

/** O_WRONLY | O_APPEND | O_CREAT. */
export const openOwnForAppend = (path: string): number => openOwnForWrite(path, O_WRONLY | O_APPEND | O_CREAT);
/** O_RDWR, the file must exist. */
export const openOwnForUpdate = (path: string): number => openOwnForWrite(path, O_RDWR);
/** O_WRONLY | O_CREAT | O_TRUNC: a temporary about to be filled. */
export const openOwnForReplace = (path: string): number => openOwnForWrite(path, O_WRONLY | O_CREAT | O_TRUNC);

/**
 * Whether a machine's own file (or, with `directory`, its images/ directory) is there; throws
 * NotOwnFile when a link or something of another type stands in its place: a link would send
 * what kmodsim writes elsewhere, and a FIFO under an image's name would later read as missing.
 */
export function ownEntryExists(path: string, directory = false): boolean {
  let stats: Stats;
  try {
    stats = lstatSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
  if (stats.isSymbolicLink()) throw new NotOwnFile(path, linkRefused());
  if (directory && !stats.isDirectory()) throw new NotOwnFile(path, refused('ENOTDIR', 'it is not a directory'));
  const problem = directory ? undefined : fileTypeProblem(stats);
  if (problem !== undefined) throw new NotOwnFile(path, refused('EINVAL', problem));
  return true;
}
