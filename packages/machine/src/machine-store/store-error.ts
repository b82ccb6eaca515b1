import { relative } from 'node:path';
import { describeFsError } from './make-directories.js';
import { NotOwnFile } from './own-file.js';

// What can be wrong with a machine directory. These are expected failures (a user's typo, a
// crash, an edited file), so they are values; the CLIs turn them into messages and exit 1.

export type StoreError =
  | { readonly kind: 'no-machine'; readonly dir: string }
  | { readonly kind: 'not-a-machine'; readonly dir: string; readonly why: string }
  | { readonly kind: 'damaged'; readonly dir: string; readonly file: string; readonly why: string }
  | { readonly kind: 'locked'; readonly dir: string; readonly holder: string; readonly waitedMs: number }
  | { readonly kind: 'exists'; readonly dir: string }
  | { readonly kind: 'io'; readonly dir: string; readonly why: string }
  | { readonly kind: 'no-default'; readonly why: string };

export function describeStoreError(error: StoreError): string {
  switch (error.kind) {
    case 'no-machine':
      return `no simulated machine at ${error.dir}; create one with: kmodsim boot --machine ${error.dir}`;
    case 'not-a-machine':
      return `${error.dir} is not a kmodsim machine (${error.why})`;
    case 'damaged':
      return `the machine state in ${error.dir} is damaged: ${error.file}: ${error.why}. Nothing was changed; ` +
        'move the directory aside and boot a new machine, or restore the file from a backup';
    case 'locked':
      return `the machine at ${error.dir} has been locked by ${error.holder} for ${Math.round(error.waitedMs / 1000)} s; giving up`;
    case 'exists':
      return `${error.dir} already holds a machine; pass --reboot to replace it`;
    case 'io':
      return `${error.dir}: ${error.why}`;
    case 'no-default':
      return `cannot find the default machine: ${error.why}; name one with --machine DIR or KMODSIM_MACHINE`;
  }
}

/**
 * An exception from the file system while a command changed the machine, as a value: a file that
 * is not kmodsim's (a link, a FIFO) is damage; a system error is said as the C library says it,
 * with the path, never as a stack trace.
 */
export function ioError(dir: string, error: unknown): StoreError {
  if (error instanceof NotOwnFile) return { kind: 'damaged', dir, file: relative(dir, error.path) || error.path, why: error.why };
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const path = (error as NodeJS.ErrnoException | undefined)?.path;
  if (typeof code === 'string' && typeof path === 'string') return { kind: 'io', dir, why: `${path}: ${describeFsError(error)}` };
  return { kind: 'io', dir, why: error instanceof Error ? error.message : String(error) };
}
