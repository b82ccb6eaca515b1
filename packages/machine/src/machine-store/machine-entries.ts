import { lstatSync, readdirSync, rmdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { parseTemporaryName } from './durable-file.js';
import { EMBEDDED_MODULES, EMBEDDED_RELEASE } from './kernel-dirs.js';

// What a kmodsim machine consists of, by name and type, so that a reboot (or a boot after one
// that was interrupted) removes only kmodsim's own files: machine.json, journal, snapshot.json,
// machine.state, images/<sha256>.ko, the embedded kernel's tree under lib/modules/RELEASE and
// the depmod files (there, or under depmod/ for a real tree), and the temporaries of each.
// Anything else in the directory is the user's: it is never removed.

interface Layout {
  /** The regular files kmodsim writes here. */
  readonly files: (name: string) => boolean;
  /** The directories kmodsim makes here, and what it writes in them. */
  readonly dirs: Readonly<Record<string, Layout>>;
}

const DEPMOD_FILE = /^modules\.[a-z]+(\.[a-z]+)*$/;
const IMAGE_NAME = /^[0-9a-f]{64}\.ko$/;
/** The top-level files only a machine has: a directory that is not one holds them as the user's. */
const MACHINE_FILES = new Set(['machine.json', 'journal', 'snapshot.json', 'machine.state']);
/** The lock's own files: the lock takes care of them, boot leaves them be. */
const LOCK_FILES = new Set(['lock', 'lock.break']);

/** A file by name, or a temporary of one (writeFileAtomic's). */
const named = (accept: (name: string) => boolean) => (name: string): boolean => {
  const temporary = parseTemporaryName(name);
  return accept(name) || (temporary !== undefined && accept(temporary.target));
};

const depmodFiles: Layout = { files: named((name) => DEPMOD_FILE.test(name)), dirs: {} };
const embeddedModules = new Set(EMBEDDED_MODULES.map((name) => `${name}.ko`));

function layoutOf(isMachine: boolean): Layout {
  const release: Layout = {
    files: depmodFiles.files,
    dirs: { kernel: { files: () => false, dirs: { demo: { files: named((name) => embeddedModules.has(name)), dirs: {} } } } },
  };
  return {
    // A half-booted directory has no machine.json of kmodsim's yet: one there is the user's.
    files: (name) => (isMachine && MACHINE_FILES.has(name)) || MACHINE_FILES.has(parseTemporaryName(name)?.target ?? ''),
    dirs: {
      images: { files: named((name) => IMAGE_NAME.test(name)), dirs: {} },
      lib: { files: () => false, dirs: { modules: { files: () => false, dirs: { [EMBEDDED_RELEASE]: release } } } },
      depmod: depmodFiles,
    },
  };
}

/** kmodsim's entries in a machine directory (files, then directories deepest first) and the rest, relative. */
export interface MachineEntries {
  readonly files: string[];
  readonly directories: string[];
  readonly unknown: string[];
}

export function machineEntries(dir: string, isMachine: boolean): MachineEntries {
  const found: MachineEntries = { files: [], directories: [], unknown: [] };
  walk(dir, '', layoutOf(isMachine), found);
  return found;
}

function walk(dir: string, prefix: string, layout: Layout, found: MachineEntries): void {
  for (const name of readdirSync(join(dir, prefix)).sort()) {
    const relative = prefix === '' ? name : `${prefix}/${name}`;
    if (prefix === '' && (LOCK_FILES.has(name) || LOCK_FILES.has(parseTemporaryName(name)?.target ?? ''))) continue;
    const stats = lstatSync(join(dir, relative));
    const inner = Object.hasOwn(layout.dirs, name) ? layout.dirs[name] : undefined;
    if (stats.isFile() && layout.files(name)) found.files.push(relative);
    else if (stats.isDirectory() && inner !== undefined) {
      walk(dir, relative, inner, found);
      found.directories.push(relative);
    } else found.unknown.push(relative);
  }
}

/** Whether an unknown entry is where kmodsim boot writes: inside one of its directories, or under one of its names. */
export function inBootsWay(name: string): boolean {
  return name.includes('/') || MACHINE_FILES.has(name) || name === 'images' || name === 'lib' || name === 'depmod';
}

/** Removes kmodsim's entries; a directory still holding something of the user's stays. */
export function removeMachineEntries(dir: string, entries: MachineEntries): void {
  for (const file of entries.files) unlinkSync(join(dir, file));
  for (const directory of entries.directories) {
    try {
      rmdirSync(join(dir, directory));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOTEMPTY' && (error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}

/** Names for a one-line message: the first few, and how many more. */
export function someNames(names: readonly string[]): string {
  const shown = names.slice(0, 5).join(', ');
  return names.length > 5 ? `${shown} and ${names.length - 5} more` : shown;
}
