import { ok, type Result } from '@kmodsim/cpu';
import type { ModuleImage } from '../image/module-image.js';
import type { SymbolResolver } from '../symbols/kernel-symbol.js';
import { SHN_ABS, SHN_COMMON, SHN_UNDEF, SHT_NOBITS } from '../elf/constants.js';
import type { ForceFlags, KernelConfig } from './kernel-config.js';
import { CORE_REGIONS, INIT_REGIONS, layoutSections, type Layout, type RegionName } from './layout.js';
import type { ModuleMemoryAllocator } from './module-memory.js';
import type { LinkedExport, LinkedModule, LinkRefusal, MemoryRegion, ModuleTaint, SectionPlacement } from './linked-module.js';
import { refuse } from './refusal.js';
import { checkVermagic } from './version-checks.js';
import { checkModuleLayout, licenseOf, resolveSymbols } from './resolve-symbols.js';
import { isGplCompatible } from './license.js';
import { applyRelocations } from './apply-relocations.js';
import { modinfoValue } from '../image/modinfo.js';
import { ElfDefect } from '../elf/defect.js';
import type { ElfSymbol } from '../elf/elf-file.js';
import { MAX_MODULE_MEMORY_BYTES, MAX_MODULE_NAME_BYTES } from '../limits.js';

// load_module()'s linking half, in the kernel's order: struct module version, vermagic and
// licence (check_modinfo), layout and allocation, symbol resolution, relocation. The result is
// the module as it sits in memory, or the refusal the kernel would give.

export interface LinkOptions {
  readonly resolver: SymbolResolver;
  readonly kernel: KernelConfig;
  readonly memory: ModuleMemoryAllocator;
  readonly force?: ForceFlags;
}

/** Kernel taint bits in the kernel's order, with the letters /proc/modules shows. */
const TAINT_LETTERS: ReadonlyArray<readonly [ModuleTaint, string]> = [
  ['PROPRIETARY_MODULE', 'P'],
  ['FORCED_MODULE', 'F'],
  ['OOT_MODULE', 'O'],
  ['UNSIGNED_MODULE', 'E'],
];

export function linkModule(image: ModuleImage, options: LinkOptions): Result<LinkedModule, LinkRefusal> {
  try {
    return linkChecked(image, options);
  } catch (error) {
    // A defect found only now (a symbol naming a section that does not exist, say) is still a
    // malformed module, not a broken linker.
    if (error instanceof ElfDefect) return refuse(image.file, error.errno, error.errno === 'ENOMEM' ? 'limit' : 'malformed', `${image.name}: ${error.message}`);
    throw error;
  }
}

function linkChecked(image: ModuleImage, options: LinkOptions): Result<LinkedModule, LinkRefusal> {
  const force = options.force ?? {};
  const { kernel, resolver } = options;
  const log: string[] = [];
  const badName = checkModuleName(image.name);
  if (badName !== undefined) return refuse(image.file, 'EINVAL', 'bad-name', badName);
  const layoutMismatch = checkModuleLayout(image, resolver, kernel, force);
  if (layoutMismatch !== undefined) return refuse(image.file, 'ENOEXEC', 'symbol-version', layoutMismatch);
  const vermagic = checkVermagic(image, kernel, force);
  if (!vermagic.ok) return refuse(image.file, 'ENOEXEC', 'bad-vermagic', vermagic.log);
  if (vermagic.warning !== undefined) log.push(vermagic.warning);

  const taints = new Set<ModuleTaint>();
  if (vermagic.forced) taints.add('FORCED_MODULE');
  if (modinfoValue(image.modinfo, 'intree') === undefined) {
    taints.add('OOT_MODULE');
    log.push(`${image.name}: loading out-of-tree module taints kernel.`);
  }
  const proprietary = !isGplCompatible(image.license);
  if (proprietary) {
    taints.add('PROPRIETARY_MODULE');
    log.push(`${image.name}: module license '${licenseOf(image)}' taints kernel.`);
  }
  if (kernel.moduleSig && image.signature === undefined) {
    taints.add('UNSIGNED_MODULE');
    log.push(`${image.name}: module verification failed: signature and/or required key missing - tainting kernel`);
  }

  const common = image.elf.symbols().find((s) => s.sectionIndex === SHN_COMMON);
  if (common !== undefined) return refuse(image.file, 'ENOEXEC', 'malformed', `${image.name}: please compile with -fno-common`);

  const layout = layoutSections(image.elf);
  const memoryBytes = Object.values(layout.regionBytes).reduce((sum, bytes) => sum + bytes, 0);
  if (memoryBytes > MAX_MODULE_MEMORY_BYTES) {
    return refuse(image.file, 'ENOMEM', 'limit', `${image.name}: the module needs ${memoryBytes} bytes of module memory, more than the limit of ${MAX_MODULE_MEMORY_BYTES}`);
  }
  const regions = allocateRegions(layout, options.memory);
  const placed = placeSections(image, layout, regions);

  const resolution = resolveSymbols(image, resolver, kernel, force, proprietary);
  log.push(...resolution.log);
  if (resolution.failure !== undefined) {
    return refuse(image.file, resolution.failure.errno, resolution.failure.reason, resolution.failure.message, log);
  }
  if (resolution.forced) taints.add('FORCED_MODULE');
  if (resolution.inheritedProprietary) taints.add('PROPRIETARY_MODULE');

  const imageBase = options.memory.temporaryCopy(image.elf.bytes.length);
  const symbolAddress = (index: number): bigint => {
    const resolved = resolution.addresses.get(index);
    if (resolved !== undefined) return resolved;
    const sectionIndex = image.elf.symbolSectionIndex(index);
    const value = image.elf.symbolValue(index);
    if (sectionIndex === SHN_ABS) return value;
    if (sectionIndex === SHN_UNDEF) return 0n;
    const section = image.elf.sectionAt(sectionIndex, `section of symbol ${index}`);
    // Sections the loader does not keep stay in its temporary copy of the file.
    return (placed.get(sectionIndex)?.address ?? imageBase + BigInt(section.offset)) + value;
  };

  const relocationError = applyRelocations(image, layout, {
    sectionAddress: (index) => placed.get(index)?.address ?? 0n,
    sectionBytes: (index) => {
      const where = layout.placed.get(index);
      if (where === undefined) throw new Error(`section ${index} was not laid out`);
      return { bytes: regionOf(regions, where.region).contents, offset: where.offset };
    },
  }, symbolAddress);
  if (relocationError !== undefined) return refuse(image.file, 'ENOEXEC', 'relocation', relocationError, [...log, relocationError]);

  const defined = definedSymbols(image.elf.symbols());
  const definedAddress = (name: string): bigint | undefined => {
    const symbol = defined.get(name);
    return symbol === undefined ? undefined : symbolAddress(symbol.index);
  };
  const exports: LinkedExport[] = image.exports.map((e) => ({
    name: e.name,
    address: e.symbolIndex !== undefined ? symbolAddress(e.symbolIndex) : (definedAddress(e.name) ?? 0n),
    gplOnly: e.gplOnly,
    ...(e.crc !== undefined ? { crc: e.crc } : {}),
    ...(e.namespace !== undefined ? { namespace: e.namespace } : {}),
  }));
  const initAddress = image.initSymbol === undefined ? undefined : definedAddress(image.initSymbol);
  const exitAddress = image.exitSymbol === undefined ? undefined : definedAddress(image.exitSymbol);
  const core = CORE_REGIONS.map((name) => regionOf(regions, name));
  const init = INIT_REGIONS.map((name) => regionOf(regions, name));
  const linked: LinkedModule = {
    name: image.name,
    core,
    init,
    coreBytes: core.reduce((sum, r) => sum + r.bytes, 0),
    initBytes: init.reduce((sum, r) => sum + r.bytes, 0),
    sections: [...placed.values()],
    imports: resolution.imports,
    uses: [...new Set(resolution.imports.map((i) => i.owner).filter((owner) => owner !== 'vmlinux'))],
    exports,
    ...(initAddress !== undefined ? { initAddress } : {}),
    ...(exitAddress !== undefined ? { exitAddress } : {}),
    taints: TAINT_LETTERS.filter(([taint]) => taints.has(taint)).map(([taint]) => taint),
    taintLetters: TAINT_LETTERS.filter(([taint]) => taints.has(taint)).map(([, letter]) => letter).join(''),
    kernelLog: log,
  };
  return ok(linked);
}

/**
 * A name the module core can use: not empty, no '/', no longer than struct module's name field.
 * An empty name cannot name the module's sysfs directory (kobject_add refuses it with EINVAL);
 * one with '/' has its slashes rewritten in sysfs and cannot be given back to rmmod, which reads
 * a '/' as a path; a longer one does not fit struct module.
 */
export function checkModuleName(name: string): string | undefined {
  if (name === '') return 'module has no name (missing .modinfo name field)';
  if (name.includes('/')) return `module name '${name}' contains '/'`;
  if (Buffer.byteLength(name) > MAX_MODULE_NAME_BYTES) return `module name '${name}' is longer than ${MAX_MODULE_NAME_BYTES} bytes (MODULE_NAME_LEN)`;
  return undefined;
}

/** The first defined symbol of each name, as a search from the start of the table finds it. */
function definedSymbols(symbols: readonly ElfSymbol[]): Map<string, ElfSymbol> {
  const defined = new Map<string, ElfSymbol>();
  for (const symbol of symbols) if (symbol.sectionIndex !== SHN_UNDEF && !defined.has(symbol.name)) defined.set(symbol.name, symbol);
  return defined;
}

function allocateRegions(layout: Layout, memory: ModuleMemoryAllocator): Map<RegionName, MemoryRegion> {
  const regions = new Map<RegionName, MemoryRegion>();
  for (const name of [...CORE_REGIONS, ...INIT_REGIONS]) {
    const bytes = layout.regionBytes[name];
    regions.set(name, { name, bytes, address: memory.allocate(name, bytes), contents: new Uint8Array(bytes) });
  }
  return regions;
}

function regionOf(regions: ReadonlyMap<RegionName, MemoryRegion>, name: RegionName): MemoryRegion {
  const region = regions.get(name);
  if (region === undefined) throw new Error(`region ${name} was not allocated`);
  return region;
}

/** Copies each kept section into its region (move_module) and records its final address. */
function placeSections(image: ModuleImage, layout: Layout, regions: ReadonlyMap<RegionName, MemoryRegion>): Map<number, SectionPlacement> {
  const placed = new Map<number, SectionPlacement>();
  for (const { section, region, offset } of layout.placed.values()) {
    const target = regionOf(regions, region);
    if (section.type !== SHT_NOBITS) target.contents.set(image.elf.contents(section), offset);
    placed.set(section.index, { name: section.name, region, address: target.address + BigInt(offset), bytes: section.size });
  }
  return placed;
}
