import { join } from 'node:path';
import { fail, ok, strerror, type Errno, type Failure, type Result } from '@kmodsim/cpu';
import { MAX_MODULE_BYTES, readModuleImage, type ModuleImage } from '@kmodsim/linker';
import { imageSha256 } from '../machine-store/machine-store.js';
import { readOwnFile, type OwnFile } from '../machine-store/own-file.js';
import type { ImageRef } from '../machine-store/records.js';

// Reading a module file for insmod and modprobe, as user space does before init_module: the
// path as given; an absolute path that is not on this host is looked up in the machine's own
// root (the embedded kernel's /lib/modules lives in the machine directory). A readable module
// is kept in the machine, by content, for every later replay, by the command that loads it
// (runCommand's `keep`). This loads the linker: the package's door reaches it through
// simulator.ts, on first use.

/**
 * A file that could not be read ('read': the message is what kmod prints after "could not load
 * module FILE:") or is no module ('format': ENOEXEC, which kmod words itself, or ENOMEM past one of
 * the linker's limits).
 */
export type ModuleFileFailure = Failure & { readonly stage: 'read' | 'format' };

/**
 * A module file read: the image as the linker parsed it, the reference a journal record names it
 * by, and its bytes, which runCommand keeps in the machine (`keep`) once the command is known to
 * fit the journal, so that a command refused before it runs leaves no copy behind.
 */
export interface ModuleFile {
  readonly ref: ImageRef;
  readonly image: ModuleImage;
  readonly bytes: Uint8Array;
}

export function readModuleFile(path: string, machineDir: string): Result<ModuleFile, ModuleFileFailure> {
  let read = readBytes(path);
  if (read.ok && read.value.kind === 'missing' && path.startsWith('/')) read = readBytes(join(machineDir, path));
  if (!read.ok) return read;
  if (read.value.kind === 'missing') return readFailure('ENOENT');
  const { bytes } = read.value;
  const image = readModuleImage(path, bytes);
  // The linker's own errno: ENOEXEC for a malformed file, ENOMEM past a limit the kernel would fail to allocate.
  if (!image.ok) return fail(image.errno, image.message, { stage: 'format' as const });
  return ok({ ref: { name: image.value.name, file: path, sha256: imageSha256(bytes) }, image: image.value, bytes });
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
