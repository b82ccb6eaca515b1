import { relative } from 'node:path';
import type { Errno, Failure, Result } from '@kmodsim/cpu';
import { describeFsError } from './make-directories.js';
import { NotOwnFile } from './own-file.js';

// What can be wrong with a machine directory. These are expected failures (a user's typo, a
// crash, an edited file), so they are values in cpu's Failure shape: the errno, the message the
// CLIs print (exit 1), and what kind of trouble it is. Only the types come from @kmodsim/cpu:
// the store is on lsmod's path, which stays quick by never loading it.

export type StoreErrorDetail =
  | { readonly kind: 'no-machine'; readonly dir: string }
  | { readonly kind: 'not-a-machine'; readonly dir: string }
  | { readonly kind: 'damaged'; readonly dir: string; readonly file: string }
  | { readonly kind: 'locked'; readonly dir: string; readonly holder: string; readonly waitedMs: number }
  | { readonly kind: 'exists'; readonly dir: string }
  | { readonly kind: 'io'; readonly dir: string }
  | { readonly kind: 'no-default' }
  /** A command line naming no machine where it must name one (`-M ''`): a usage error, exit 2. */
  | { readonly kind: 'usage' };

export type StoreError = Failure & StoreErrorDetail;

/** An answer of the store: the value, or what is wrong with the machine. */
export type StoreResult<T> = Result<T, StoreError>;

const storeError = (errno: Errno, message: string, detail: StoreErrorDetail): StoreError => ({ ...detail, ok: false, errno, message });

export const noMachine = (dir: string): StoreError =>
  storeError('ENOENT', `no simulated machine at ${dir}; create one with: kmodsim boot --machine ${dir}`, { kind: 'no-machine', dir });

export const notAMachine = (dir: string, why: string): StoreError =>
  storeError('ENOENT', `${dir} is not a kmodsim machine (${why})`, { kind: 'not-a-machine', dir });

export const damaged = (dir: string, file: string, why: string): StoreError =>
  storeError('EIO', `the machine state in ${dir} is damaged: ${file}: ${why}. Nothing was changed; ` +
    'move the directory aside and boot a new machine, or restore the file from a backup', { kind: 'damaged', dir, file });

export const locked = (dir: string, holder: string, waitedMs: number): StoreError =>
  storeError('EBUSY', `the machine at ${dir} has been locked by ${holder} for ${Math.round(waitedMs / 1000)} s; giving up`, { kind: 'locked', dir, holder, waitedMs });

export const exists = (dir: string): StoreError =>
  storeError('EEXIST', `${dir} already holds a machine; pass --reboot to replace it`, { kind: 'exists', dir });

/** A machine that cannot be replaced without removing the user's files. */
export const foreignFiles = (dir: string, why: string): StoreError => storeError('EEXIST', `${dir}: ${why}`, { kind: 'exists', dir });

export const ioFailure = (dir: string, why: string): StoreError => storeError('EIO', `${dir}: ${why}`, { kind: 'io', dir });

export const emptyMachineOption = (): StoreError =>
  storeError('EINVAL', "--machine needs a directory, and '' names none (an unset variable?); nothing was done", { kind: 'usage' });

export const noDefault = (why: string): StoreError =>
  storeError('ENOENT', `cannot find the default machine: ${why}; name one with --machine DIR or KMODSIM_MACHINE`, { kind: 'no-default' });

/**
 * An exception from the file system while a command changed the machine, as a value: a file that
 * is not kmodsim's (a link, a FIFO) is damage; a system error is said as the C library says it,
 * with the path, never as a stack trace.
 */
export function ioError(dir: string, error: unknown): StoreError {
  if (error instanceof NotOwnFile) return damaged(dir, relative(dir, error.path) || error.path, error.failure.message);
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const path = (error as NodeJS.ErrnoException | undefined)?.path;
  if (typeof code === 'string' && typeof path === 'string') return ioFailure(dir, `${path}: ${describeFsError(error)}`);
  return ioFailure(dir, error instanceof Error ? error.message : String(error));
}
