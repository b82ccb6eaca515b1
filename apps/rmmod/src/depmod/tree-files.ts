import { describeFsError } from '@kmodsim/machine';
import { closeSync, openSync, readFileSync } from 'node:fs';

// The files depmod reads beside the modules when they are there: modules.order (the order
// modules.dep lists modules in), modules.builtin and modules.builtin.modinfo (what its .bin
// indexes of built-in modules are made from). kmod's depmod does without any of them, but says
// so, in its dfdopen's words: "could not open NAME at DIR: strerror".

export type TreeFileRead = { readonly ok: true; readonly text: string } | { readonly ok: false; readonly warning: string };

export function readTreeFile(moduleDir: string, name: string): TreeFileRead {
  try {
    return { ok: true, text: readFileSync(`${moduleDir}/${name}`, 'latin1') };
  } catch (error) {
    // A directory by that name opens (and reads as nothing) for kmod: no warning there either.
    if ((error as NodeJS.ErrnoException).code === 'EISDIR') return { ok: true, text: '' };
    return { ok: false, warning: openWarning(moduleDir, name, error) };
  }
}

/** kmod only opens the built-in lists (their content goes into .bin indexes ours do not write): the warning, if they do not open. */
export function treeFileOpenWarning(moduleDir: string, name: string): string | undefined {
  try {
    closeSync(openSync(`${moduleDir}/${name}`, 'r'));
    return undefined;
  } catch (error) {
    return openWarning(moduleDir, name, error);
  }
}

function openWarning(moduleDir: string, name: string, error: unknown): string {
  return `could not open ${name} at ${moduleDir}: ${describeFsError(error)}`;
}
