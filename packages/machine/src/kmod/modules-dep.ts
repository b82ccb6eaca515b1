import { treeTextOrNothing } from './tree-text.js';
import { isAbsolute, join } from 'node:path';
import { moduleNameOfPath } from '../kernel-tree/module-names.js';

// modules.dep as modprobe reads it: `path: dep dep ...`, paths relative to the module
// directory. Each module's list holds all it needs, the ones to load last first.

export interface DepEntry {
  readonly name: string;
  /** Absolute path of the module file. */
  readonly path: string;
  /** Absolute paths of what it needs, in modules.dep's order. */
  readonly deps: readonly string[];
}

/** modules.dep's modules by name; none when it cannot be read, as modprobe then finds nothing in it. */
export function readModulesDep(depmodDir: string, moduleDir: string): Map<string, DepEntry> {
  const text = treeTextOrNothing(join(depmodDir, 'modules.dep'));
  if (text === undefined) return new Map();
  const absolute = (path: string): string => (isAbsolute(path) ? path : join(moduleDir, path));
  const entries = new Map<string, DepEntry>();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const path = line.slice(0, colon);
    const deps = line.slice(colon + 1).split(' ').filter((dep) => dep !== '').map(absolute);
    const name = moduleNameOfPath(path);
    if (!entries.has(name)) entries.set(name, { name, path: absolute(path), deps });
  }
  return entries;
}

/** The files to insert for a module, in order: its dependencies (last listed first), then itself. */
export function loadOrder(entry: DepEntry): string[] {
  return [...[...entry.deps].reverse(), entry.path];
}
