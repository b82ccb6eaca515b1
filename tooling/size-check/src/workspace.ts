import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { measureSource, type FunctionSize } from './measure.js';
import type { Measured } from './rules.js';

/** The repository's root: this file is tooling/size-check/src/workspace.ts. */
export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** The code of a package: TypeScript and JavaScript that someone wrote (no build output, no declarations). */
const CODE = /\.(?:[cm]?ts|tsx|[cm]?js)$/;
const NOT_WRITTEN = /(?:^|\/)(?:dist|node_modules|coverage)\/|\.d\.[cm]?ts$/;
const PACKAGE = /^((?:packages|apps|tooling)\/[^/]+)\//;

export interface MeasuredFile {
  readonly path: string;
  readonly lines: number;
  readonly functions: readonly FunctionSize[];
}

/** The code files git knows of or would take (tracked, or new and not ignored), by package folder. */
export function packageFiles(root = repoRoot): Map<string, string[]> {
  const listed = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z', '--', 'packages', 'apps', 'tooling'], { cwd: root, encoding: 'utf8' });
  const byPackage = new Map<string, string[]>();
  for (const path of listed.split('\0')) {
    const folder = PACKAGE.exec(path)?.[1];
    if (folder === undefined || !CODE.test(path) || NOT_WRITTEN.test(path)) continue;
    const files = byPackage.get(folder) ?? [];
    files.push(path);
    byPackage.set(folder, files);
  }
  return byPackage;
}

export function measureFile(path: string, root = repoRoot): MeasuredFile | undefined {
  let text: string;
  try {
    text = readFileSync(join(root, path), 'utf8');
  } catch {
    return undefined; // listed by git but deleted in the working tree
  }
  return { path, ...measureSource(path, text) };
}

/** A function's key in the allow-list; a name met twice in one file gets ` #2`, ` #3`… in order. */
export function functionKeys(file: MeasuredFile): Map<string, number> {
  const keys = new Map<string, number>();
  const seen = new Map<string, number>();
  for (const fn of file.functions) {
    const count = (seen.get(fn.name) ?? 0) + 1;
    seen.set(fn.name, count);
    keys.set(`${file.path}: ${fn.name}${count > 1 ? ` #${count}` : ''}`, fn.lines);
  }
  return keys;
}

export function measured(files: readonly MeasuredFile[]): Measured {
  return {
    files: new Map(files.map((file) => [file.path, file.lines])),
    functions: new Map(files.flatMap((file) => [...functionKeys(file)])),
  };
}
