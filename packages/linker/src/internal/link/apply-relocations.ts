import type { ModuleImage } from '../image/module-image.js';
import { RELA_BYTES, SHF_ALLOC, SHT_REL, SHT_RELA } from '../elf/constants.js';
import type { Layout } from './layout.js';
import { effectiveFlags } from './layout.js';
import { overLimit } from '../elf/defect.js';
import { MAX_RELOCATIONS } from '../limits.js';

// apply_relocations(): every RELA section whose target is kept in memory patches its target in
// place. A relocation whose place lies outside its section, or whose place is not zero (the
// kernel refuses to patch twice), or whose value does not fit, refuses the module.

export interface PlacedMemory {
  /** Final address of a kept section. */
  sectionAddress(sectionIndex: number): bigint;
  /** The bytes of the region a kept section lives in, and the section's offset there. */
  sectionBytes(sectionIndex: number): { readonly bytes: Uint8Array; readonly offset: number };
}

export function applyRelocations(
  image: ModuleImage,
  layout: Layout,
  memory: PlacedMemory,
  symbolAddress: (index: number) => bigint,
): string | undefined {
  const { elf, architecture } = image;
  countRelocations(image, layout);
  for (const rela of elf.sections) {
    if (rela.type === SHT_REL) return `${image.name}: REL relocation section ${rela.name} is not supported on ${architecture.name}`;
    if (rela.type !== SHT_RELA) continue;
    const target = elf.sections[rela.info];
    if (target === undefined || (effectiveFlags(target) & SHF_ALLOC) === 0 || !layout.placed.has(target.index)) continue;
    const base = memory.sectionAddress(target.index);
    const { bytes, offset: sectionOffset } = memory.sectionBytes(target.index);
    for (const relocation of elf.relocations(rela)) {
      const patch = architecture.patchBytes(relocation.type);
      if (patch === undefined) return `${image.name}: Unknown rela relocation: ${relocation.type}`;
      if (relocation.offset < 0n || relocation.offset + BigInt(patch) > BigInt(target.size)) {
        return `${image.name}: relocation at offset 0x${relocation.offset.toString(16)} lies outside section ${target.name} (${target.size} bytes)`;
      }
      const place = sectionOffset + Number(relocation.offset);
      const outcome = architecture.relocate({
        type: relocation.type,
        value: symbolAddress(relocation.symbolIndex) + relocation.addend,
        placeAddress: base + relocation.offset,
      });
      if (!outcome.ok) return outcome.message;
      if (bytes.subarray(place, place + patch).some((b) => b !== 0)) {
        return `x86/modules: Invalid relocation target, existing value is nonzero for type ${relocation.type}, loc ${(base + relocation.offset).toString(16)}`;
      }
      bytes.set(outcome.value, place);
    }
  }
  return undefined;
}

/** Refuses (ENOMEM) a module whose relocations together pass MAX_RELOCATIONS, before any is read. */
function countRelocations(image: ModuleImage, layout: Layout): void {
  let entries = 0;
  for (const rela of image.elf.sections) {
    if (rela.type !== SHT_RELA || !layout.placed.has(rela.info)) continue;
    entries += Math.floor(rela.size / RELA_BYTES);
    if (entries > MAX_RELOCATIONS) overLimit(`more than ${MAX_RELOCATIONS} relocations to apply`);
  }
}
