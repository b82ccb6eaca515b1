import { opendirSync, statSync } from 'node:fs';
import { moduleNameFromPath, summarizeModuleFile, type DepmodModule } from '@kmodsim/linker';
import { isModuleFileName } from './module-names.js';

// The directory walk depmod does over /lib/modules/VERSION: directory entries in the order the
// file system returns them (not sorted: kmod does not sort either), skipping build/ and source/,
// keeping files with a module extension. Each module is read and summarised here; one that
// cannot be read is kept without symbols, with kmod's complaint.

/** Directory entries fetched per readdir call (Node's default is 32): fewer calls for the big directories. */
const DIRENT_BUFFER = 256;

export interface WalkResult {
  readonly modules: DepmodModule[];
  readonly errors: string[];
}

export function walkModuleTree(moduleDir: string): WalkResult {
  const result: WalkResult = { modules: [], errors: [] };
  walk(moduleDir, '', result);
  return result;
}

function walk(moduleDir: string, relativeDir: string, result: WalkResult): void {
  const dir = opendirSync(relativeDir === '' ? moduleDir : `${moduleDir}/${relativeDir}`, { bufferSize: DIRENT_BUFFER });
  try {
    for (let entry = dir.readSync(); entry !== null; entry = dir.readSync()) {
      const name = entry.name;
      if (name === 'build' || name === 'source') continue;
      const relative = relativeDir === '' ? name : `${relativeDir}/${name}`;
      const isDirectory = entry.isSymbolicLink() ? statSync(`${moduleDir}/${relative}`).isDirectory() : entry.isDirectory();
      if (isDirectory) walk(moduleDir, relative, result);
      else if (isModuleFileName(name)) result.modules.push(readModule(moduleDir, relative, result.errors));
    }
  } finally {
    dir.closeSync();
  }
}

function readModule(moduleDir: string, relative: string, errors: string[]): DepmodModule {
  const path = `${moduleDir}/${relative}`;
  const name = moduleNameFromPath(relative);
  // kmod keeps the file's own spelling (dashes included) up to and including ".ko".
  const slash = relative.lastIndexOf('/') + 1;
  const uncompressedPath = relative.slice(0, slash + name.length + '.ko'.length);
  const base = { path: relative, file: path, uncompressedPath, name };
  // Only the parts of the file depmod needs are read (all of it when compressed).
  const summary = summarizeModuleFile(path);
  if (!summary.ok) {
    // A file that cannot be read or decompressed gets kmod's plain complaint; a malformed object says what is wrong.
    errors.push(`failed to load symbols from ${path}: ${summary.errno === 'ENOEXEC' ? summary.message : 'Exec format error'}`);
    return { ...base, summary: undefined };
  }
  return { ...base, summary: summary.value };
}
