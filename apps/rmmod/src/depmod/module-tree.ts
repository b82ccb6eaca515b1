import { opendirSync, readFileSync, statSync } from 'node:fs';
import { compressionOf, decompress, moduleNameFromPath, readElf, summarizeModule, type DepmodModule } from '@kmodsim/linker';

// The directory walk depmod does over /lib/modules/VERSION: directory entries in the order the
// file system returns them (not sorted: kmod does not sort either), skipping build/ and source/,
// keeping files with a module extension. Each module is read and summarised here; one that
// cannot be read is kept without symbols, with kmod's complaint.

const MODULE_EXTENSIONS = ['.ko', '.ko.gz', '.ko.xz', '.ko.zst'];

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
  const dir = opendirSync(relativeDir === '' ? moduleDir : `${moduleDir}/${relativeDir}`);
  try {
    for (let entry = dir.readSync(); entry !== null; entry = dir.readSync()) {
      const name = entry.name;
      if (name === 'build' || name === 'source') continue;
      const relative = relativeDir === '' ? name : `${relativeDir}/${name}`;
      const isDirectory = entry.isSymbolicLink() ? statSync(`${moduleDir}/${relative}`).isDirectory() : entry.isDirectory();
      if (isDirectory) walk(moduleDir, relative, result);
      else if (MODULE_EXTENSIONS.some((ext) => name.length > ext.length && name.endsWith(ext))) result.modules.push(readModule(moduleDir, relative, result.errors));
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
  let image: Uint8Array;
  try {
    const data = readFileSync(path);
    image = decompress(data, compressionOf(data));
  } catch {
    errors.push(`failed to load symbols from ${path}: Exec format error`);
    return { ...base, summary: undefined };
  }
  const summary = readElf(path, image, summarizeModule);
  if (!summary.ok) {
    errors.push(`failed to load symbols from ${path}: ${summary.message}`);
    return { ...base, summary: undefined };
  }
  return { ...base, summary: summary.value };
}
