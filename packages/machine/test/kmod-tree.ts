import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LookupDirs } from '../src/index.js';

// A module tree of the test's own, as depmod would leave it: only the text files the lookups
// read (modules.dep, .alias, .softdep, .builtin, .builtin.modinfo) and empty module files.

export interface TreeFiles {
  readonly dep: string;
  readonly alias?: string;
  readonly softdep?: string;
  readonly builtin?: string;
  readonly builtinModinfo?: string;
}

export function moduleTree(files: TreeFiles): LookupDirs {
  const moduleDir = mkdtempSync(join(tmpdir(), 'kmodsim-kmod-test-'));
  const named: [string, string | undefined][] = [
    ['modules.dep', files.dep], ['modules.alias', files.alias], ['modules.softdep', files.softdep],
    ['modules.builtin', files.builtin], ['modules.builtin.modinfo', files.builtinModinfo],
  ];
  for (const [name, text] of named) if (text !== undefined) writeFileSync(join(moduleDir, name), text);
  for (const line of files.dep.split('\n')) {
    const path = line.slice(0, line.indexOf(':'));
    if (path === '') continue;
    mkdirSync(join(moduleDir, path, '..'), { recursive: true });
    writeFileSync(join(moduleDir, path), '');
  }
  return { moduleDir, depmodDir: moduleDir };
}
