import { randomBytes } from 'node:crypto';
import { renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { isErrno, strerror } from '@kmodsim/cpu';

// A report is written whole or not at all: to a temporary file beside the target, then renamed
// over it (rename within one directory is atomic), so a reader never sees half a page and a
// failed write leaves nothing behind.

/** Why `path` cannot be written, in one line, or undefined when its directory takes a new file. */
export function unwritable(path: string, cwd: string): string | undefined {
  const target = resolve(cwd, path);
  const directory = dirname(target);
  try {
    if (!statSync(directory).isDirectory()) return `cannot write ${path}: ${directory} is not a directory`;
    if (statSync(target, { throwIfNoEntry: false })?.isDirectory() === true) return `cannot write ${path}: it is a directory`;
    // Asking access(2) is not enough: root passes it on a read-only mount or in /proc. Creating
    // (and removing) an empty file beside the target is what the final write will do.
    const probe = temporaryBeside(target);
    writeFileSync(probe, '', { flag: 'wx' });
    rmSync(probe, { force: true });
    return undefined;
  } catch (error) {
    return `cannot write ${path}: ${reason(error)}`;
  }
}

/** Writes `text` to `path` atomically; the one-line reason when it cannot (no file is left behind). */
export function writeAtomically(path: string, text: string, cwd: string): string | undefined {
  const target = resolve(cwd, path);
  const temporary = temporaryBeside(target);
  try {
    writeFileSync(temporary, text, { flag: 'wx' });
    renameSync(temporary, target);
    return undefined;
  } catch (error) {
    rmSync(temporary, { force: true });
    return `cannot write ${path}: ${reason(error)}`;
  }
}

/** A fresh name in the target's directory, hidden, that no other run picks. */
function temporaryBeside(target: string): string {
  return join(dirname(target), `.${basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
}

/** The system's words for a file error (strerror), or its message. */
function reason(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && isErrno(code)) return strerror(code);
  return error instanceof Error ? error.message : String(error);
}
