import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readModuleImage, type ModuleImage } from '@kmodsim/linker';
import { saveImage } from '../machine-store/machine-store.js';
import type { ImageRef } from '../machine-store/records.js';

// Reading a module file for insmod and modprobe, as user space does before init_module: the
// path as given; an absolute path that is not on this host is looked up in the machine's own
// root (the embedded kernel's /lib/modules lives in the machine directory). A readable module
// is kept in the machine, by content, for every later replay.

export type ModuleFile =
  | { readonly ok: true; readonly ref: ImageRef; readonly image: ModuleImage }
  | { readonly ok: false; readonly stage: 'read'; readonly strerror: string }
  | { readonly ok: false; readonly stage: 'format'; readonly why: string };

export function readModuleFile(path: string, machineDir: string): ModuleFile {
  const bytes = readBytes(path) ?? (path.startsWith('/') ? readBytes(join(machineDir, path)) : undefined);
  if (bytes === undefined) return { ok: false, stage: 'read', strerror: 'No such file or directory' };
  const image = readModuleImage(path, bytes);
  if (!image.ok) return { ok: false, stage: 'format', why: image.message };
  const sha256 = saveImage(machineDir, bytes);
  return { ok: true, ref: { name: image.value.name, file: path, sha256 }, image: image.value };
}

function readBytes(path: string): Uint8Array | undefined {
  try {
    return readFileSync(path);
  } catch {
    return undefined;
  }
}
