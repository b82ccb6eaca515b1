import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { KernelSymbolTable, parseModuleSymvers, type KernelConfig } from '../src/index.js';
import type { Entry } from './run-input.js';

// What the campaign mutates: every fixture module (plain and compressed) and, when
// scripts/fetch-kernel-tree.sh has fetched it, 21 modules of the real tree spread over it.

const fixturesDir = fileURLToPath(new URL('../fixtures/modules/', import.meta.url));
const treesDir = fileURLToPath(new URL('../../../kernel-trees/', import.meta.url));
const REAL_SAMPLE = 21;

export const EMBEDDED_KERNEL: KernelConfig = {
  vermagic: '6.1.0-kmodsim SMP preempt mod_unload modversions ',
  modversions: true,
  moduleSig: false,
  forceLoad: false,
};

export interface Source {
  readonly name: string;
  readonly bytes: Uint8Array;
}

export function fixtureSources(): Source[] {
  return readdirSync(fixturesDir)
    .filter((file) => /\.ko(\.(xz|zst|gz))?$/.test(file))
    .sort()
    .map((file) => ({ name: file, bytes: new Uint8Array(readFileSync(`${fixturesDir}${file}`)) }));
}

export function realTreeSources(): Source[] {
  if (!existsSync(treesDir)) return [];
  const version = readdirSync(treesDir).sort().find((v) => existsSync(`${treesDir}${v}/.complete`));
  if (version === undefined) return [];
  const moduleDir = `${treesDir}${version}/lib/modules/${version}/kernel`;
  const files = (readdirSync(moduleDir, { recursive: true }) as string[]).filter((f) => /\.ko(\.(xz|zst|gz))?$/.test(f)).sort();
  const step = Math.max(1, Math.floor(files.length / REAL_SAMPLE));
  return files.filter((_, i) => i % step === 0).slice(0, REAL_SAMPLE).map((f) => ({ name: f, bytes: new Uint8Array(readFileSync(`${moduleDir}/${f}`)) }));
}

/** The embedded kernel's symbol table: the fixtures link against it, real modules get as far as it lets them. */
export function embeddedEntry(): Entry {
  const symvers = parseModuleSymvers('Module.symvers', readFileSync(`${fixturesDir}Module.symvers`, 'utf8'));
  if (!symvers.ok) throw new Error(symvers.message);
  return { resolver: KernelSymbolTable.fromVmlinux({ symvers: symvers.value }), kernel: EMBEDDED_KERNEL };
}
