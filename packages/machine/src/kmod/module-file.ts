import { join } from 'node:path';
import { fail, ok, strerror, type Errno, type Failure, type Result } from '@kmodsim/cpu';
import { MAX_MODULE_BYTES, readModuleImage, type ModuleImage } from '@kmodsim/linker';
import { saveImage } from '../machine-store/machine-store.js';
import { describeFsError } from '../machine-store/make-directories.js';
import { readOwnFile, type OwnFile } from '../machine-store/own-file.js';
import type { ImageRef } from '../machine-store/records.js';

// Reading a module file for insmod and modprobe, as user space does before init_module: the
// path as given; an absolute path that is not on this host is looked up in the machine's own
// root (the embedded kernel's /lib/modules lives in the machine directory). A readable module
// is kept in the machine, by content, for every later replay. This loads the linker: the
// package's door reaches it through simulator.ts, on first use.

/**
 * A file that could not be read ('read': the message is what kmod prints after "could not load
 * module FILE:") or is no module ('format': ENOEXEC, which kmod words itself).
 */
export type ModuleFileFailure = Failure & { readonly stage: 'read' | 'format' };

/** A module file read: the image as the linker parsed it, and the reference to its copy kept in the machine. */
export interface ModuleFile {
  readonly ref: ImageRef;
  readonly image: ModuleImage;
}

export function readModuleFile(path: string, machineDir: string): Result<ModuleFile, ModuleFileFailure> {
  let read = readBytes(path);
  if (read.ok && read.value.kind === 'missing' && path.startsWith('/')) read = readBytes(join(machineDir, path));
  if (!read.ok) return read;
  if (read.value.kind === 'missing') return readFailure('ENOENT');
  const { bytes } = read.value;
  const image = readModuleImage(path, bytes);
  if (!image.ok) return fail('ENOEXEC', image.message, { stage: 'format' as const });
  let sha256: string;
  try {
    sha256 = saveImage(machineDir, bytes);
  } catch (error) {
    // A machine directory the user may not write (another user's): said in one line, as kmod would.
    return fail('EIO', `cannot keep a copy in the machine: ${describeError(error)}`, { stage: 'read' as const });
  }
  return ok({ ref: { name: image.value.name, file: path, sha256 }, image: image.value });
}

const readFailure = (errno: Errno, message = strerror(errno)): ModuleFileFailure => fail(errno, message, { stage: 'read' as const });

/**
 * The file's bytes. As the kernel's kernel_read_file() does for finit_module, anything but a
 * regular file is EINVAL (so /dev/zero or a FIFO is refused at once instead of read for ever),
 * and a file larger than the module limit EFBIG. Links are followed: the path is the user's.
 */
function readBytes(path: string): Result<OwnFile, ModuleFileFailure> {
  const read = readOwnFile(path, MAX_MODULE_BYTES, true);
  if (read.ok) return read;
  // The system's own refusal (EACCES, EIO, ...) is already in strerror's words.
  if (read.kind === 'unreadable') return readFailure(read.errno, read.message);
  return readFailure(read.errno === 'EFBIG' ? 'EFBIG' : 'EINVAL');
}

function describeError(error: unknown): string {
  const path = (error as NodeJS.ErrnoException | undefined)?.path;
  if (typeof path === 'string') return `${path}: ${describeFsError(error)}`;
  return error instanceof Error ? error.message : String(error);
}
