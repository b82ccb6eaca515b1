import { readOwnFile, type OwnFileFailure } from '../machine-store/own-file.js';

// The text files of a module tree and of a machine's depmod output (modules.order, modules.dep,
// modules.softdep, modules.builtin*, Module.symvers, System.map). The user's tree may hold
// links, which are followed; but a FIFO, a device or /dev/zero in a file's place would block
// or never end, so only a regular file is read, and no more than a real kernel's largest
// (System.map is some 10 MB) allows with room to spare.

/** The most bytes of a tree's text file read: far above any real kernel's. */
export const MAX_TREE_TEXT_BYTES = 64 * 1024 * 1024;

/** A tree's text file: its text, undefined when there is none, or why it cannot be read. */
export type TreeText = { readonly ok: true; readonly text: string | undefined } | OwnFileFailure;

export function readTreeText(path: string, maxBytes = MAX_TREE_TEXT_BYTES): TreeText {
  const read = readOwnFile(path, maxBytes, true);
  if (!read.ok) return read;
  return { ok: true, text: read.value.kind === 'missing' ? undefined : read.value.bytes.toString('latin1') };
}

/** The text, or undefined when the file is missing or cannot be read as one (kmod then does without it). */
export function treeTextOrNothing(path: string): string | undefined {
  const read = readTreeText(path);
  return read.ok ? read.text : undefined;
}
