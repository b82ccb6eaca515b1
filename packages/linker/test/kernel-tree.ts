import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// The real Debian module tree scripts/fetch-kernel-tree.sh unpacks (never committed). Tests
// that need it skip only when it is absent, and never in CI (see @kmodsim/vitest-config/real-data).

export interface KernelTree {
  readonly root: string;
  readonly version: string;
  readonly moduleDir: string;
  readonly symvers: string;
  readonly systemMap: string;
}

const treesDir = fileURLToPath(new URL('../../../kernel-trees/', import.meta.url));

export function findKernelTree(): KernelTree | undefined {
  if (!existsSync(treesDir)) return undefined;
  for (const version of readdirSync(treesDir).sort()) {
    const root = `${treesDir}${version}`;
    if (!existsSync(`${root}/.complete`)) continue;
    return {
      root,
      version,
      moduleDir: `${root}/lib/modules/${version}`,
      symvers: `${root}/Module.symvers`,
      systemMap: `${root}/boot/System.map-${version}`,
    };
  }
  return undefined;
}
