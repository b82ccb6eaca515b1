import type { ElfFile, ElfSection } from '../elf/elf-file.js';
import { SHF_ALLOC, SHF_EXECINSTR, SHF_RO_AFTER_INIT, SHF_WRITE } from '../elf/constants.js';

// Section layout as kernel/module/main.c's layout_sections does it: allocated sections go, in
// section-table order within each class, to executable text, then read-only data, then
// read-only-after-init data, then writable data; sections named .init* go to the init parts,
// which are freed once init returns. .modinfo and __versions are read but never kept.

export type RegionName = 'text' | 'rodata' | 'ro_after_init' | 'data' | 'init_text' | 'init_rodata' | 'init_data';

export const CORE_REGIONS: readonly RegionName[] = ['text', 'rodata', 'ro_after_init', 'data'];
export const INIT_REGIONS: readonly RegionName[] = ['init_text', 'init_rodata', 'init_data'];

export interface PlacedSection {
  readonly section: ElfSection;
  readonly region: RegionName;
  /** Offset of the section inside its region. */
  readonly offset: number;
}

export interface Layout {
  readonly placed: ReadonlyMap<number, PlacedSection>;
  /** Bytes each region needs, rounded up to whole pages as module_memory_alloc does. */
  readonly regionBytes: Readonly<Record<RegionName, number>>;
}

export const PAGE_BYTES = 4096;

/** Sections the loader reads and then drops (rewrite_section_headers clears their SHF_ALLOC). */
const NOT_KEPT = new Set(['.modinfo', '__versions']);
/** Sections the loader marks read-only-after-init before layout. */
const RO_AFTER_INIT = new Set(['.data..ro_after_init', '__jump_table']);

interface SectionClass {
  readonly required: number;
  readonly forbidden: number;
  readonly core: RegionName;
  readonly init: RegionName | undefined;
}

const CLASSES: readonly SectionClass[] = [
  { required: SHF_EXECINSTR | SHF_ALLOC, forbidden: 0, core: 'text', init: 'init_text' },
  { required: SHF_ALLOC, forbidden: SHF_WRITE, core: 'rodata', init: 'init_rodata' },
  { required: SHF_RO_AFTER_INIT | SHF_ALLOC, forbidden: 0, core: 'ro_after_init', init: undefined },
  { required: SHF_WRITE | SHF_ALLOC, forbidden: 0, core: 'data', init: 'init_data' },
];

export function effectiveFlags(section: ElfSection): number {
  if (NOT_KEPT.has(section.name)) return section.flags & ~SHF_ALLOC;
  if (RO_AFTER_INIT.has(section.name)) return section.flags | SHF_RO_AFTER_INIT;
  return section.flags;
}

export function layoutSections(elf: ElfFile): Layout {
  const placed = new Map<number, PlacedSection>();
  const used = { text: 0, rodata: 0, ro_after_init: 0, data: 0, init_text: 0, init_rodata: 0, init_data: 0 };
  for (const isInit of [false, true]) {
    for (const sectionClass of CLASSES) {
      const region = isInit ? sectionClass.init : sectionClass.core;
      for (const section of elf.sections) {
        const flags = effectiveFlags(section);
        if ((flags & sectionClass.required) !== sectionClass.required || (flags & sectionClass.forbidden) !== 0) continue;
        if (placed.has(section.index) || section.name.startsWith('.init') !== isInit || region === undefined) continue;
        const alignment = Math.max(section.alignment, 1);
        const offset = Math.ceil(used[region] / alignment) * alignment;
        used[region] = offset + section.size;
        placed.set(section.index, { section, region, offset });
      }
    }
  }
  const regionBytes = Object.fromEntries(Object.entries(used).map(([name, bytes]) => [name, Math.ceil(bytes / PAGE_BYTES) * PAGE_BYTES])) as Record<RegionName, number>;
  return { placed, regionBytes };
}
