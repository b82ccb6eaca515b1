import { existsSync, readFileSync, statSync } from 'node:fs';
import { moduleNameFromPath } from '@kmodsim/linker';

// How modinfo and modprobe turn their argument into modules, as libkmod's lookup does: an
// existing file with a module extension is read directly (modinfo); otherwise the name, with
// '-' read as '_', is looked up in modules.dep, then matched against modules.alias's shell
// patterns (normalised the same way, as depmod's binary index stores them), then in
// modules.builtin.

export type LookupHit =
  | { readonly kind: 'file'; readonly name: string; readonly path: string }
  | { readonly kind: 'builtin'; readonly name: string };

/** Where the lookup reads: depmod's files, and the module tree (modules.builtin, and what modules.dep's paths are relative to). */
export interface LookupDirs {
  readonly depmodDir: string;
  readonly moduleDir: string;
}

const MODULE_EXTENSIONS = ['.ko', '.ko.gz', '.ko.xz', '.ko.zst'];

export function isModuleFilename(path: string): boolean {
  try {
    return statSync(path).isFile() && MODULE_EXTENSIONS.some((ext) => path.length > ext.length && path.endsWith(ext));
  } catch {
    return false;
  }
}

/** kmod's alias_normalize: '-' reads as '_' outside bracket expressions. */
export function normalizeName(name: string): string {
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
  return existsSync(path) ? readFileSync(path, 'latin1').split('\n') : [];
}

/** modules.dep's modules by name, each with its path. */
function depPaths(dirs: LookupDirs): Map<string, string> {
  const paths = new Map<string, string>();
  for (const line of readLines(`${dirs.depmodDir}/modules.dep`)) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const relative = line.slice(0, colon);
    const name = moduleNameFromPath(relative);
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

export function lookupModule(dirs: LookupDirs, argument: string): LookupHit[] {
  const name = normalizeName(argument);
  const paths = depPaths(dirs);
  const direct = paths.get(name);
  if (direct !== undefined) return [{ kind: 'file', name, path: direct }];
  const hits: LookupHit[] = [];
  for (const line of readLines(`${dirs.depmodDir}/modules.alias`)) {
    const match = /^alias (\S+) (\S+)$/.exec(line);
    if (match === null) continue;
    const [, pattern = '', owner = ''] = match;
    const normalized = normalizeName(pattern);
    if (!name.startsWith(literalPrefix(normalized)) || !globToRegExp(normalized).test(name)) continue;
    const path = paths.get(owner);
    if (path !== undefined && !hits.some((h) => h.kind === 'file' && h.path === path)) hits.push({ kind: 'file', name: owner, path });
  }
  if (hits.length > 0) return hits;
  return isBuiltin(dirs.moduleDir, name) ? [{ kind: 'builtin', name }] : [];
}

/** Whether modules.builtin names the module: it is part of the kernel, never loaded or removed. */
export function isBuiltin(moduleDir: string, name: string): boolean {
  return readLines(`${moduleDir}/modules.builtin`).some((line) => line !== '' && moduleNameFromPath(line) === name);
}

/** modules.builtin.modinfo: `module.key=value` strings separated by NULs. */
export function builtinModinfo(moduleDir: string, name: string): { key: string; value: string }[] | undefined {
  const path = `${moduleDir}/modules.builtin.modinfo`;
  if (!existsSync(path)) return undefined;
  const prefix = `${name}.`;
  return readFileSync(path, 'latin1')
    .split('\0')
    .filter((item) => item.startsWith(prefix))
    .map((item) => {
      const rest = item.slice(prefix.length);
      const equals = rest.indexOf('=');
      return equals < 0 ? { key: rest, value: '' } : { key: rest.slice(0, equals), value: rest.slice(equals + 1) };
    });
}
