import type { ModuleSummary } from './module-summary.js';
import { kmodHashOrder } from './kmod-hash-order.js';

// depmod's computation, step for step as kmod's tools/depmod.c does it, so that the files come
// out byte for byte the same: module order from modules.order (the rest in kmod's hash order),
// a symbol table where a later module's export replaces an earlier one, dependencies in the
// order symbols are met, a topological order that pops roots from a stack, and each module's
// full dependency list sorted by that order.

export interface DepmodModule {
  /** Path relative to the version directory when the module lies under it, else absolute. */
  readonly path: string;
  /** The file's full path, which warnings name. */
  readonly file: string;
  /** Path relative to the version directory with the compression suffix dropped (.ko). */
  readonly uncompressedPath: string;
  /** kmod's module name: the file name up to the first '.', '-' as '_'. */
  readonly name: string;
  /** Undefined when the module could not be read; it is still listed, without dependencies. */
  readonly summary: ModuleSummary | undefined;
}

export interface DepmodInput {
  /** Modules in the order the directory walk found them. */
  readonly modules: readonly DepmodModule[];
  /** Lines of modules.order, if the tree has one. */
  readonly modulesOrder?: readonly string[];
  /** vmlinux's exports from -E Module.symvers (with CRCs) or -F System.map. */
  readonly kernelSymbols?: readonly { readonly name: string; readonly crc: number }[];
  /** -E: compare CRCs. */
  readonly checkSymvers: boolean;
  /** -e (with -E or -F): warn about unknown symbols and CRC mismatches. */
  readonly printUnknown: boolean;
}

export interface DepmodOutput {
  /** File name and contents, in the order kmod writes them. */
  readonly files: readonly { readonly name: string; readonly contents: string }[];
  readonly warnings: readonly string[];
  /** Set when modules depend on each other in a cycle: kmod then writes nothing. */
  readonly cycleError?: string;
}

interface Mod {
  readonly module: DepmodModule;
  sortIndex: number;
  readonly deps: Mod[];
  users: number;
  depSortIndex: number;
  /** Scratch for the walks below: users not yet sorted, and the last walk that met this module. */
  pendingUsers: number;
  seenInWalk: number;
}

interface SymbolEntry {
  readonly owner: Mod | undefined;
  readonly crc: number;
}

const MODULE_BUCKETS = 512;
const SYMBOL_BUCKETS = 2048;
/** Symbols the kernel's loader provides itself (depmod_add_fake_syms). */
const FAKE_SYMBOLS = ['__this_module', '_GLOBAL_OFFSET_TABLE_', 'TOC.'];

export function computeDepmod(input: DepmodInput): DepmodOutput {
  const mods = orderModules(input);
  const symbols = buildSymbolTable(input, mods);
  const warnings = linkDependencies(input, mods, symbols);
  const cycleError = sortTopologically(mods);
  if (cycleError !== undefined) return { files: [], warnings, cycleError };
  return {
    files: [
      { name: 'modules.dep', contents: formatDeps(mods) },
      { name: 'modules.alias', contents: formatAliases(mods) },
      { name: 'modules.softdep', contents: formatSoftdeps(mods) },
      { name: 'modules.symbols', contents: formatSymbols(symbols) },
      { name: 'modules.devname', contents: formatDevnames(mods, warnings) },
    ],
    warnings,
  };
}

function orderModules(input: DepmodInput): Mod[] {
  // Two files with one module name: without a depmod.d configuration kmod keeps the first one
  // found unless the later one lies under updates/, which is searched first.
  const byName = new Map<string, DepmodModule>();
  for (const module of input.modules) {
    const existing = byName.get(module.name);
    if (existing === undefined || (isUpdate(module) && !isUpdate(existing))) byName.set(module.name, module);
  }
  const mods: Mod[] = kmodHashOrder(byName.keys(), MODULE_BUCKETS).map((name) => ({
    module: byName.get(name) as DepmodModule,
    sortIndex: 1,
    deps: [],
    users: 0,
    depSortIndex: Number.MAX_SAFE_INTEGER,
    pendingUsers: 0,
    seenInWalk: -1,
  }));
  if (input.modulesOrder === undefined) return mods;
  const byPath = new Map(mods.map((m) => [m.module.uncompressedPath, m]));
  const total = input.modulesOrder.length + 1;
  input.modulesOrder.forEach((line, index) => {
    const mod = byPath.get(line);
    if (mod !== undefined) mod.sortIndex = index + 1 - total;
  });
  // glibc's qsort is a merge sort here: stable, so equal indices keep hash order.
  return mods.map((mod, position) => ({ mod, position })).sort((a, b) => a.mod.sortIndex - b.mod.sortIndex || a.position - b.position).map((e) => e.mod);
}

const isUpdate = (module: DepmodModule): boolean => module.path.startsWith('updates/');

function buildSymbolTable(input: DepmodInput, mods: readonly Mod[]): Map<string, SymbolEntry> {
  const symbols = new Map<string, SymbolEntry>();
  if (input.kernelSymbols !== undefined) {
    for (const { name, crc } of input.kernelSymbols) symbols.set(name, { owner: undefined, crc });
    for (const name of FAKE_SYMBOLS) if (name !== 'TOC.' || !symbols.has(name)) symbols.set(name, { owner: undefined, crc: 0 });
  }
  for (const mod of mods) for (const { name, crc } of mod.module.summary?.exports ?? []) symbols.set(name, { owner: mod, crc });
  return symbols;
}

function linkDependencies(input: DepmodInput, mods: readonly Mod[], symbols: ReadonlyMap<string, SymbolEntry>): string[] {
  const warnings: string[] = [];
  for (const mod of mods) {
    for (const wanted of mod.module.summary?.dependencySymbols ?? []) {
      const symbol = symbols.get(wanted.name.charCodeAt(0) === DOT ? wanted.name.slice(1) : wanted.name);
      if (symbol === undefined) {
        if (input.printUnknown && !wanted.weak) warnings.push(`${mod.module.file} needs unknown symbol ${wanted.name}`);
        continue;
      }
      if (input.checkSymvers && input.printUnknown && symbol.crc !== wanted.crc && !wanted.weak) {
        warnings.push(`${mod.module.file} disagrees about version of symbol ${wanted.name}`);
      }
      const owner = symbol.owner;
      if (owner === undefined || mod.deps.includes(owner)) continue;
      mod.deps.push(owner);
      owner.users++;
    }
  }
  return warnings;
}

const DOT = 0x2e;

const byDepSortIndex = (a: Mod, b: Mod): number => a.depSortIndex - b.depSortIndex;

/** Kahn's algorithm with the roots kept on a stack; modules nobody uses come first. */
function sortTopologically(mods: readonly Mod[]): string | undefined {
  const roots: Mod[] = [];
  for (const mod of mods) {
    mod.pendingUsers = mod.users;
    if (mod.users === 0) roots.push(mod);
  }
  let sorted = 0;
  for (let root = roots.pop(); root !== undefined; root = roots.pop()) {
    root.depSortIndex = sorted++;
    for (const dep of root.deps) if (--dep.pendingUsers === 0) roots.push(dep);
  }
  if (sorted < mods.length) return `Found ${mods.length - sorted} modules in dependency cycles!`;
  for (const mod of mods) if (mod.deps.length > 1) mod.deps.sort(byDepSortIndex);
  return undefined;
}

/** Every module `mod` needs, directly or not, each once (`walk` numbers this walk). */
function allDependencies(mod: Mod, walk: number, into: Mod[]): Mod[] {
  for (const dep of mod.deps) {
    if (dep.seenInWalk === walk) continue;
    dep.seenInWalk = walk;
    into.push(dep);
    allDependencies(dep, walk, into);
  }
  return into;
}

function formatDeps(mods: readonly Mod[]): string {
  let text = '';
  mods.forEach((mod, walk) => {
    text += `${mod.module.path}:`;
    const deps = allDependencies(mod, walk, []);
    if (deps.length > 1) deps.sort(byDepSortIndex);
    for (const dep of deps) text += ` ${dep.module.path}`;
    text += '\n';
  });
  return text;
}

function infoValues(mod: Mod, key: string): string[] {
  const values: string[] = [];
  for (const entry of mod.module.summary?.modinfo ?? []) if (entry.key === key) values.push(entry.value);
  return values;
}

function formatAliases(mods: readonly Mod[]): string {
  let text = '# Aliases extracted from modules themselves.\n';
  for (const mod of mods) {
    for (const entry of mod.module.summary?.modinfo ?? []) if (entry.key === 'alias') text += `alias ${entry.value} ${mod.module.name}\n`;
  }
  return text;
}

function formatSoftdeps(mods: readonly Mod[]): string {
  let text = '# Soft dependencies extracted from modules themselves.\n';
  for (const mod of mods) {
    for (const entry of mod.module.summary?.modinfo ?? []) if (entry.key === 'softdep') text += `softdep ${mod.module.name} ${entry.value}\n`;
  }
  return text;
}

function formatSymbols(symbols: ReadonlyMap<string, SymbolEntry>): string {
  let text = '# Aliases for symbols, used by symbol_request().\n';
  for (const name of kmodHashOrder(symbols.keys(), SYMBOL_BUCKETS)) {
    const owner = symbols.get(name)?.owner;
    if (owner !== undefined) text += `alias symbol:${name} ${owner.module.name}\n`;
  }
  return text;
}

/** Device nodes from `devname:` aliases paired with a char-major-M-N or block-major-M-N alias. */
function formatDevnames(mods: readonly Mod[], warnings: string[]): string {
  const lines: string[] = [];
  for (const mod of mods) {
    let devname: string | undefined;
    let node: string | undefined;
    for (const alias of infoValues(mod, 'alias')) {
      if (alias.startsWith('devname:')) devname = alias.slice('devname:'.length);
      else if (alias.startsWith('char-major-') || alias.startsWith('block-major-')) {
        const match = /^(char|block)-major-(\d+)-(\d+)/.exec(alias);
        if (match !== null) node = `${match[1] === 'char' ? 'c' : 'b'}${Number(match[2])}:${Number(match[3])}`;
      }
      if (devname !== undefined && node !== undefined) break;
    }
    if (devname === undefined) continue;
    if (node === undefined) warnings.push(`Module '${mod.module.name}' has devname (${devname}) but lacks major and minor information. Ignoring.`);
    else lines.push(`${mod.module.name} ${devname} ${node}\n`);
  }
  return lines.length === 0 ? '' : `# Device nodes to trigger on-demand module loading.\n${lines.join('')}`;
}
