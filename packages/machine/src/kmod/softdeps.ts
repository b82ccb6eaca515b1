import { treeTextOrNothing } from './tree-text.js';
import { join } from 'node:path';
import { lookupModule, normalizeModuleName, type LookupDirs } from './module-lookup.js';
import { loadOrder, readModulesDep, type DepEntry } from './modules-dep.js';

// Soft dependencies as libkmod applies them: depmod's modules.softdep holds lines
// `softdep MODULE pre: A B post: C`, each name resolved as a module name or an alias (one
// alias may name several modules). modprobe.d could add more; a simulated machine has none.

export interface Softdeps {
  readonly pre: readonly string[];
  readonly post: readonly string[];
}

export function readSoftdeps(depmodDir: string): Map<string, Softdeps> {
  const text = treeTextOrNothing(join(depmodDir, 'modules.softdep'));
  if (text === undefined) return new Map();
  const softdeps = new Map<string, Softdeps>();
  for (const line of text.split('\n')) {
    const [keyword, module, ...words] = line.trim().split(/\s+/);
    if (keyword !== 'softdep' || module === undefined) continue;
    const pre: string[] = [];
    const post: string[] = [];
    let into: string[] | undefined;
    for (const word of words) {
      if (word === 'pre:') into = pre;
      else if (word === 'post:') into = post;
      else into?.push(word);
    }
    const name = normalizeModuleName(module);
    const known = softdeps.get(name);
    softdeps.set(name, { pre: [...(known?.pre ?? []), ...pre], post: [...(known?.post ?? []), ...post] });
  }
  return softdeps;
}

/** What probing needs: the dependency table, the softdeps, and where to resolve names. */
export interface ProbeTables {
  readonly tree: LookupDirs;
  readonly deps: ReadonlyMap<string, DepEntry>;
  readonly softdeps: ReadonlyMap<string, Softdeps>;
}

/** modules.dep and modules.softdep of a tree, read once for a whole modprobe run; a file that cannot be read holds nothing. */
export function readProbeTables(tree: LookupDirs): ProbeTables {
  return { tree, deps: readModulesDep(tree.depmodDir, tree.moduleDir), softdeps: readSoftdeps(tree.depmodDir) };
}

/** A softdep's modules: each name as a module or an alias, built-in modules left out (nothing to load). */
export function resolveSoftdeps(tables: ProbeTables, names: readonly string[]): DepEntry[] {
  const entries: DepEntry[] = [];
  for (const name of names) {
    for (const hit of lookupModule(tables.tree, name)) {
      const entry = hit.kind === 'file' ? tables.deps.get(hit.name) : undefined;
      if (entry !== undefined) entries.push(entry);
    }
  }
  return entries;
}

/**
 * libkmod's probe list (__kmod_module_get_probe_list): each dependency in load order with its
 * own pre-softdeps before it and post-softdeps after, then the module's pre-softdeps, the
 * module, and its post-softdeps. A softdep brings its own dependencies; a module already
 * visited is not probed again. Returns the files in order.
 */
export function probeList(tables: ProbeTables, entry: DepEntry): string[] {
  const files: string[] = [];
  const visited = new Set<string>();
  const byPath = new Map([...tables.deps.values()].map((known) => [known.path, known]));
  const fillSoftdep = (module: DepEntry): void => {
    const softdeps = tables.softdeps.get(module.name);
    for (const pre of resolveSoftdeps(tables, softdeps?.pre ?? [])) probe(pre);
    files.push(module.path);
    for (const post of resolveSoftdeps(tables, softdeps?.post ?? [])) probe(post);
  };
  const probe = (module: DepEntry): void => {
    if (visited.has(module.name)) return;
    visited.add(module.name);
    for (const path of loadOrder(module).slice(0, -1)) {
      fillSoftdep(byPath.get(path) ?? { name: '', path, deps: [] });
    }
    fillSoftdep(module);
  };
  probe(entry);
  return files;
}
