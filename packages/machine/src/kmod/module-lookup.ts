import { statSync } from 'node:fs';
import type { BootConfig } from '../machine-store/records.js';
import { depmodDirOf, moduleDirOf } from '../machine-store/kernel-dirs.js';
import { isModuleFileName, moduleNameOfPath } from '../kernel-tree/module-names.js';
import { treeTextOrNothing } from './tree-text.js';

// How modinfo and modprobe turn their argument into modules, as libkmod's lookup does
// (kmod_module_new_from_lookup): an existing file with a module extension is read directly
// (modinfo); otherwise the name, with '-' read as '_', is looked up in modules.dep, then matched
// against modules.alias's shell patterns (normalised the same way, as depmod's binary index
// stores them), then in modules.builtin. These only read text files, so they load neither the
// linker nor the simulator.

export type LookupHit =
  | { readonly kind: 'file'; readonly name: string; readonly path: string }
  | { readonly kind: 'builtin'; readonly name: string };

/** Where the lookup reads: depmod's files, and the module tree (modules.builtin, and what modules.dep's paths are relative to). */
export interface LookupDirs {
  readonly depmodDir: string;
  readonly moduleDir: string;
}

/**
 * A machine's module tree as the tools look modules up in it: the tree itself (modules.builtin,
 * and what modules.dep's paths are relative to) and the depmod files computed for it at boot.
 */
export function machineTree(machineDir: string, config: BootConfig): LookupDirs {
  return { moduleDir: moduleDirOf(machineDir, config.kernel), depmodDir: depmodDirOf(machineDir, config.kernel) };
}

/** Whether the path is an existing regular file with a module extension: kmod reads such an argument as a file, not a name. */
export function isModuleFile(path: string): boolean {
  try {
    return statSync(path).isFile() && isModuleFileName(path);
  } catch {
    return false;
  }
}

/** kmod's alias_normalize: '-' reads as '_' outside bracket expressions. */
export function normalizeModuleName(name: string): string {
  let inBrackets = false;
  let text = '';
  for (const char of name) {
    if (char === '[') inBrackets = true;
    if (char === ']') inBrackets = false;
    text += char === '-' && !inBrackets ? '_' : char;
  }
  return text;
}

function readLines(path: string): string[] {
  return treeTextOrNothing(path)?.split('\n') ?? [];
}

/** modules.dep's modules by name, each with its path. */
function depPaths(dirs: LookupDirs): Map<string, string> {
  const paths = new Map<string, string>();
  for (const line of readLines(`${dirs.depmodDir}/modules.dep`)) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const relative = line.slice(0, colon);
    const name = moduleNameOfPath(relative);
    // The first line for a name wins, as a scan from the top would find it.
    if (!paths.has(name)) paths.set(name, relative.startsWith('/') ? relative : `${dirs.moduleDir}/${relative}`);
  }
  return paths;
}

/** The pattern's text before its first wildcard: a name without it cannot match, so most aliases are skipped unparsed. */
function literalPrefix(pattern: string): string {
  const wildcard = pattern.search(/[*?[]/);
  return wildcard < 0 ? pattern : pattern.slice(0, wildcard);
}

/** fnmatch() for the patterns modules.alias holds: *, ? and [...] classes. */
function globToRegExp(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern.charAt(i);
    if (char === '*') source += '.*';
    else if (char === '?') source += '.';
    else if (char === '[') {
      const close = pattern.indexOf(']', i + 2);
      if (close < 0) source += '\\[';
      else {
        const body = pattern.slice(i + 1, close).replace(/^!/, '^').replaceAll('\\', '\\\\');
        source += `[${body}]`;
        i = close;
      }
    } else source += char.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 's');
}

/** The modules an argument names: one by its name, those whose alias patterns match it, or a built-in one; none when nothing does. */
export function lookupModule(dirs: LookupDirs, argument: string): LookupHit[] {
  const name = normalizeModuleName(argument);
  const paths = depPaths(dirs);
  const direct = paths.get(name);
  if (direct !== undefined) return [{ kind: 'file', name, path: direct }];
  const hits: LookupHit[] = [];
  for (const line of readLines(`${dirs.depmodDir}/modules.alias`)) {
    const match = /^alias (\S+) (\S+)$/.exec(line);
    if (match === null) continue;
    const [, pattern = '', owner = ''] = match;
    const normalized = normalizeModuleName(pattern);
    if (!name.startsWith(literalPrefix(normalized)) || !globToRegExp(normalized).test(name)) continue;
    const path = paths.get(owner);
    if (path !== undefined && !hits.some((h) => h.kind === 'file' && h.path === path)) hits.push({ kind: 'file', name: owner, path });
  }
  if (hits.length > 0) return hits;
  return isBuiltinModule(dirs.moduleDir, name) ? [{ kind: 'builtin', name }] : [];
}

/** Whether modules.builtin names the module: it is part of the kernel, never loaded or removed. */
export function isBuiltinModule(moduleDir: string, name: string): boolean {
  return readLines(`${moduleDir}/modules.builtin`).some((line) => line !== '' && moduleNameOfPath(line) === name);
}

/** A built-in module's info list, from modules.builtin.modinfo (`module.key=value` strings separated by NULs); undefined when the tree has no such file. */
export function builtinModinfo(moduleDir: string, name: string): { key: string; value: string }[] | undefined {
  const text = treeTextOrNothing(`${moduleDir}/modules.builtin.modinfo`);
  if (text === undefined) return undefined;
  const prefix = `${name}.`;
  return text
    .split('\0')
    .filter((item) => item.startsWith(prefix))
    .map((item) => {
      const rest = item.slice(prefix.length);
      const equals = rest.indexOf('=');
      return equals < 0 ? { key: rest, value: '' } : { key: rest.slice(0, equals), value: rest.slice(equals + 1) };
    });
}
