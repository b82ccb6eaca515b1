import { strerror } from '@kmodsim/cpu';
import { describeFsError, readTreeText } from '@kmodsim/machine';
import { closeSync, constants, openSync, statSync } from 'node:fs';

// The files depmod reads beside the modules when they are there: modules.order (the order
// modules.dep lists modules in), modules.builtin and modules.builtin.modinfo (what its .bin
// indexes of built-in modules are made from). kmod's depmod does without any of them, but says
// so, in its dfdopen's words: "could not open NAME at DIR: strerror".

export type TreeFileRead = { readonly ok: true; readonly text: string } | { readonly ok: false; readonly warning: string };

export function readTreeFile(moduleDir: string, name: string): TreeFileRead {
  const path = `${moduleDir}/${name}`;
  // A directory by that name opens (and reads as nothing) for kmod: no warning there either.
  if (isDirectory(path)) return { ok: true, text: '' };
  // A FIFO or /dev/zero in its place is refused, not read for ever.
  const read = readTreeText(path);
  if (!read.ok) return { ok: false, warning: `could not open ${name} at ${moduleDir}: ${read.message}` };
  if (read.text === undefined) return { ok: false, warning: `could not open ${name} at ${moduleDir}: ${strerror('ENOENT')}` };
  return { ok: true, text: read.text };
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** kmod only opens the built-in lists (their content goes into .bin indexes ours do not write): the warning, if they do not open. */
export function treeFileOpenWarning(moduleDir: string, name: string): string | undefined {
  try {
    // Without O_NONBLOCK, opening a FIFO waits for a writer.
    closeSync(openSync(`${moduleDir}/${name}`, constants.O_RDONLY | constants.O_NONBLOCK));
    return undefined;
  } catch (error) {
    return openWarning(moduleDir, name, error);
  }
}

function openWarning(moduleDir: string, name: string, error: unknown): string {
  return `could not open ${name} at ${moduleDir}: ${describeFsError(error)}`;
}
