import { existsSync, readFileSync, statSync } from 'node:fs';
import { moduleNameFromPath } from '@kmodsim/linker';

// How modinfo turns its argument into modules, as libkmod's lookup does: an existing file with
// a module extension is read directly; otherwise the name is looked up in the version
// directory's modules.dep, then as an alias in modules.alias (shell patterns), then in
// modules.builtin.

export type LookupHit = { readonly kind: 'file'; readonly path: string } | { readonly kind: 'builtin'; readonly name: string };

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

function depPath(moduleDir: string, name: string): string | undefined {
  for (const line of readLines(`${moduleDir}/modules.dep`)) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const relative = line.slice(0, colon);
    if (moduleNameFromPath(relative) === name) return relative.startsWith('/') ? relative : `${moduleDir}/${relative}`;
  }
  return undefined;
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

export function lookupModule(moduleDir: string, argument: string): LookupHit[] {
  const name = normalizeName(argument);
  const direct = depPath(moduleDir, name);
  if (direct !== undefined) return [{ kind: 'file', path: direct }];
  const hits: LookupHit[] = [];
  for (const line of readLines(`${moduleDir}/modules.alias`)) {
    const match = /^alias (\S+) (\S+)$/.exec(line);
    if (match === null) continue;
    const [, pattern = '', owner = ''] = match;
    if (!globToRegExp(pattern).test(name)) continue;
    const path = depPath(moduleDir, owner);
    if (path !== undefined && !hits.some((h) => h.kind === 'file' && h.path === path)) hits.push({ kind: 'file', path });
  }
  if (hits.length > 0) return hits;
  const builtin = readLines(`${moduleDir}/modules.builtin`).some((line) => moduleNameFromPath(line) === name);
  return builtin ? [{ kind: 'builtin', name }] : [];
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
