import { saveImage, readOwnFile, describeFsError, type ImageRef } from '@kmodsim/machine';
import { join } from 'node:path';
import { MAX_MODULE_BYTES, readModuleImage, type ModuleImage } from '@kmodsim/linker';

// Reading a module file for insmod and modprobe, as user space does before init_module: the
// path as given; an absolute path that is not on this host is looked up in the machine's own
// root (the embedded kernel's /lib/modules lives in the machine directory). A readable module
// is kept in the machine, by content, for every later replay.

export type ModuleFile =
  | { readonly ok: true; readonly ref: ImageRef; readonly image: ModuleImage }
  | { readonly ok: false; readonly stage: 'read'; readonly strerror: string }
  | { readonly ok: false; readonly stage: 'format'; readonly why: string };

export function readModuleFile(path: string, machineDir: string): ModuleFile {
  let read = readBytes(path);
  if (read.kind === 'missing' && path.startsWith('/')) read = readBytes(join(machineDir, path));
  if (read.kind === 'missing') return { ok: false, stage: 'read', strerror: 'No such file or directory' };
  if (read.kind !== 'read') return { ok: false, stage: 'read', strerror: read.strerror };
  const { bytes } = read;
  const image = readModuleImage(path, bytes);
  if (!image.ok) return { ok: false, stage: 'format', why: image.message };
  let sha256: string;
  try {
    sha256 = saveImage(machineDir, bytes);
  } catch (error) {
    // A machine directory the user may not write (another user's): said in one line, as kmod would.
    return { ok: false, stage: 'read', strerror: `cannot keep a copy in the machine: ${describeError(error)}` };
  }
  return { ok: true, ref: { name: image.value.name, file: path, sha256 }, image: image.value };
}

/**
 * The file's bytes. As the kernel's kernel_read_file() does for finit_module, anything but a
 * regular file is EINVAL (so /dev/zero or a FIFO is refused at once instead of read for ever),
 * and a file larger than the module limit EFBIG. Links are followed: the path is the user's.
 */
function readBytes(path: string): { kind: 'read'; bytes: Uint8Array } | { kind: 'missing' } | { kind: 'refused'; strerror: string } {
  const read = readOwnFile(path, MAX_MODULE_BYTES, true);
  if (read.kind === 'read' || read.kind === 'missing') return read;
  if (read.kind === 'unreadable') return { kind: 'refused', strerror: read.why };
  return { kind: 'refused', strerror: read.why.includes('more than') ? 'File too large' : 'Invalid argument' };
}

function describeError(error: unknown): string {
  const path = (error as NodeJS.ErrnoException | undefined)?.path;
  if (typeof path === 'string') return `${path}: ${describeFsError(error)}`;
  return error instanceof Error ? error.message : String(error);
}
