import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root: this file is tooling/pack-check/src/workspace.ts. */
export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** A package.json as read from disk: only the fields these checks look at are typed. */
export interface PackageJson {
  readonly name: string;
  readonly version?: unknown;
  readonly private?: unknown;
  readonly description?: unknown;
  readonly license?: unknown;
  readonly repository?: unknown;
  readonly engines?: unknown;
  readonly main?: unknown;
  readonly types?: unknown;
  readonly exports?: unknown;
  readonly files?: unknown;
  readonly bin?: unknown;
  readonly publishConfig?: unknown;
  readonly dependencies?: Readonly<Record<string, string>>;
  readonly devDependencies?: Readonly<Record<string, string>>;
  readonly optionalDependencies?: Readonly<Record<string, string>>;
  readonly peerDependencies?: Readonly<Record<string, string>>;
}

export interface WorkspacePackage {
  /** Absolute directory. */
  readonly dir: string;
  /** The directory relative to the repository root, with forward slashes (`packages/cpu`). */
  readonly path: string;
  readonly json: PackageJson;
}

export function readPackageJson(dir: string): PackageJson {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageJson;
}

/**
 * The folder globs of pnpm-workspace.yaml. Only the `- "folder/*"` form is understood, which is
 * all this repository uses; anything else is refused rather than silently skipped.
 */
export function workspaceGlobs(root = repoRoot): string[] {
  const text = readFileSync(join(root, 'pnpm-workspace.yaml'), 'utf8');
  const block = /^packages:\n((?:[ \t]+-.*\n?)+)/m.exec(text);
  if (!block?.[1]) throw new Error('pnpm-workspace.yaml: no packages: list');
  return block[1].split('\n').filter((line) => line.trim() !== '').map((line) => {
    const glob = /^\s+-\s+["']?([\w.-]+)\/\*["']?\s*$/.exec(line)?.[1];
    if (glob === undefined) throw new Error(`pnpm-workspace.yaml: a glob this check does not understand: ${line.trim()}`);
    return glob;
  });
}

/** Every workspace package (a folder with a package.json under a workspace glob), sorted by path. */
export function workspacePackages(root = repoRoot): WorkspacePackage[] {
  const found: WorkspacePackage[] = [];
  for (const parent of workspaceGlobs(root)) {
    for (const entry of readdirSync(join(root, parent), { withFileTypes: true })) {
      const dir = join(root, parent, entry.name);
      if (!entry.isDirectory() || !existsSync(join(dir, 'package.json'))) continue;
      found.push({ dir, path: `${parent}/${entry.name}`, json: readPackageJson(dir) });
    }
  }
  return found.sort((a, b) => a.path.localeCompare(b.path));
}

/** The workspace packages a package depends on at run time, itself included, dependencies first. */
export function workspaceClosure(names: readonly string[], all: readonly WorkspacePackage[]): WorkspacePackage[] {
  const byName = new Map(all.map((pkg) => [pkg.json.name, pkg]));
  const ordered: WorkspacePackage[] = [];
  const visit = (name: string): void => {
    const pkg = byName.get(name);
    if (pkg === undefined) throw new Error(`no workspace package named ${name}`);
    if (ordered.includes(pkg)) return;
    for (const [dep, range] of Object.entries(pkg.json.dependencies ?? {})) {
      if (range.startsWith('workspace:')) visit(dep);
    }
    ordered.push(pkg);
  };
  names.forEach(visit);
  return ordered;
}
