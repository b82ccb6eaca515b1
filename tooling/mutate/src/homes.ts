import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { RefcountStrategy } from '@kmodsim/refcount';
import { importersOf, jsName, taggedName, type Sandbox } from './sandbox.js';

// Where each sound strategy lives: the module that declares the exported object, and through its
// imports, every file its code comes from. A file is mutated for the strategies whose code lives
// there, so a helper shared by two designs is checked against both.

export interface StrategyHome {
  readonly strategy: string;
  /** The module (relative .js) that exports it, and under which name. */
  readonly module: string;
  readonly exportName: string;
}

/** The modules that only gather others (the package's index and registry), never a home. */
const GATHERING = new Set(['index.js', 'registry.js']);

function moduleUrl(sandbox: Sandbox, module: string): string {
  return pathToFileURL(join(sandbox.dir, module)).href;
}

async function soundOfCopy(sandbox: Sandbox): Promise<RefcountStrategy[]> {
  const registry = (await import(moduleUrl(sandbox, 'registry.js'))) as { soundStrategies: () => RefcountStrategy[] };
  return registry.soundStrategies();
}

/** Every sound strategy of the copy with the module that declares it. */
export async function findHomes(sandbox: Sandbox): Promise<StrategyHome[]> {
  const sound = await soundOfCopy(sandbox);
  const homes = new Map<string, StrategyHome>();
  for (const file of sandbox.sources.keys()) {
    const module = jsName(file);
    if (GATHERING.has(module)) continue;
    const exports = (await import(moduleUrl(sandbox, module))) as Record<string, unknown>;
    for (const [exportName, value] of Object.entries(exports)) {
      const strategy = sound.find((candidate) => candidate === value);
      if (strategy === undefined) continue;
      // A re-export is not a home: prefer the module whose source declares the binding.
      const declares = new RegExp(`\\b(const|let|var|function)\\s+${exportName}\\b`).test(sandbox.sources.get(file) ?? '');
      if (declares || !homes.has(strategy.name)) homes.set(strategy.name, { strategy: strategy.name, module, exportName });
    }
  }
  const missing = sound.filter((strategy) => !homes.has(strategy.name));
  if (missing.length > 0) throw new Error(`no module exports the sound strategies ${missing.map((strategy) => strategy.name).join(', ')}`);
  return [...homes.values()];
}

/** The strategies whose code lives in `file` (a .ts path relative to src). */
export function strategiesOf(sandbox: Sandbox, homes: readonly StrategyHome[], file: string): StrategyHome[] {
  const importers = importersOf(sandbox, jsName(file));
  return homes.filter((home) => importers.has(home.module));
}

/** The URL of a home's module, as a mutant tagged `tag` has it (untagged: the original). */
export function homeUrl(sandbox: Sandbox, home: StrategyHome, tag?: string): string {
  return moduleUrl(sandbox, tag === undefined ? home.module : taggedName(home.module, tag));
}

export async function loadStrategy(url: string, exportName: string): Promise<RefcountStrategy> {
  const exports = (await import(url)) as Record<string, unknown>;
  const strategy = exports[exportName];
  if (typeof strategy !== 'object' || strategy === null) throw new Error(`${url} has no export ${exportName}`);
  return strategy as RefcountStrategy;
}
