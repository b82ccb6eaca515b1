import { existsSync, mkdirSync, readFileSync, realpathSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { run, runOk } from './run.js';
import type { PackageJson } from './workspace.js';

export interface PackedTarball {
  readonly name: string;
  readonly version: string;
  /** Absolute path of the .tgz. */
  readonly filename: string;
}

/**
 * Packs these workspace packages with pnpm, which replaces `workspace:` ranges by the versions
 * they stand for (npm pack would leave them, and the tarball could not be installed).
 */
export async function packWithPnpm(root: string, names: readonly string[], destination: string): Promise<PackedTarball[]> {
  const filters = names.flatMap((name) => ['--filter', name]);
  const json = await runOk('pnpm', ['--recursive', ...filters, 'pack', '--json', '--pack-destination', destination], { cwd: root });
  const packed = JSON.parse(json) as PackedTarball | PackedTarball[];
  return Array.isArray(packed) ? packed : [packed];
}

/** The paths inside a tarball, without the leading `package/`. */
export async function tarballEntries(tarball: string): Promise<string[]> {
  const listing = await runOk('tar', ['-tzf', tarball], { cwd: dirname(tarball) });
  return listing.split('\n').filter((line) => line !== '').map((line) => line.replace(/^[^/]+\//, ''));
}

export async function tarballManifest(tarball: string): Promise<PackageJson> {
  return JSON.parse(await runOk('tar', ['-xzOf', tarball, 'package/package.json'], { cwd: dirname(tarball) })) as PackageJson;
}

/** The directory of package `name` as Node would find it from `fromDir` (real path), if installed. */
export function installedPackageDir(fromDir: string, name: string): string | undefined {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    if (basename(dir) !== 'node_modules') {
      const candidate = join(dir, 'node_modules', name);
      if (existsSync(join(candidate, 'package.json'))) return realpathSync(candidate);
    }
    if (dirname(dir) === dir) return undefined;
  }
}

export interface VendoredPackage {
  readonly name: string;
  readonly version: string;
  readonly tarball: string;
}

/** Where to start looking for third-party packages: these names, as Node finds them from this folder. */
export interface VendorRoot {
  readonly fromDir: string;
  readonly names: readonly string[];
}

/** A package's run-time dependencies, as a starting point for `vendorDependencies`. */
export function dependenciesOf(dir: string): VendorRoot {
  const json = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageJson;
  return { fromDir: dir, names: Object.keys({ ...json.dependencies, ...json.optionalDependencies }) };
}

/**
 * Tarballs of every third-party package these need at run time, taken from what pnpm installed
 * in the workspace, so the scratch install needs no registry. Optional dependencies that were not
 * installed (another platform's native build) are left out, as npm leaves them out.
 */
export async function vendorDependencies(
  roots: readonly VendorRoot[],
  isWorkspacePackage: (name: string) => boolean,
  destination: string,
): Promise<VendoredPackage[]> {
  mkdirSync(destination, { recursive: true });
  const found = new Map<string, { name: string; version: string; dir: string }>();
  const visit = (fromDir: string, names: readonly string[], optional: readonly string[], dependent: string): void => {
    for (const name of names) {
      if (isWorkspacePackage(name)) continue;
      const dir = installedPackageDir(fromDir, name);
      if (dir === undefined) {
        if (optional.includes(name)) continue;
        throw new Error(`${name}, a dependency of ${dependent}, is not installed: run pnpm install`);
      }
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageJson & { version: string };
      const seen = found.get(name);
      if (seen?.version === manifest.version) continue;
      if (seen !== undefined) throw new Error(`${name} is installed as ${seen.version} and ${manifest.version}: a flat scratch install cannot hold both`);
      found.set(name, { name, version: manifest.version, dir });
      const optionalDeps = Object.keys(manifest.optionalDependencies ?? {});
      visit(dir, [...Object.keys(manifest.dependencies ?? {}), ...optionalDeps], optionalDeps, name);
    }
  };
  for (const root of roots) visit(root.fromDir, root.names, [], root.fromDir);
  return Promise.all(
    [...found.values()].map(async ({ name, version, dir }) => {
      const tarball = join(destination, `${name.replace('@', '').replace('/', '-')}-${version}.tgz`);
      // npm strips the tarball's top folder whatever its name, so the installed folder is packed as it is.
      const output = await run('tar', ['-czf', tarball, '-C', dirname(dir), basename(dir)], { cwd: destination });
      if (output.code !== 0) throw new Error(`tar of ${dir} failed: ${output.stderr}`);
      return { name, version, tarball };
    }),
  );
}
