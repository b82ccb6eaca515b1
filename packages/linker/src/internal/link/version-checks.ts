import type { ModuleImage } from '../image/module-image.js';
import type { KernelConfig, ForceFlags } from './kernel-config.js';

// The checks that compare a module with the kernel it is built for: vermagic (check_modinfo)
// and symbol CRCs (check_version in kernel/module/version.c).

export type CheckOutcome =
  | { readonly ok: true; readonly forced: boolean; readonly warning?: string }
  | { readonly ok: false; readonly log: string };

const passed: CheckOutcome = { ok: true, forced: false };

/**
 * same_magic(): with modversions the kernel release (the first word) may differ, because the
 * CRCs check the interfaces themselves.
 */
function sameMagic(moduleMagic: string, kernelMagic: string, hasCrcs: boolean): boolean {
  if (!hasCrcs) return moduleMagic === kernelMagic;
  const afterRelease = (magic: string): string => magic.slice(magic.search(/ |$/));
  return afterRelease(moduleMagic) === afterRelease(kernelMagic);
}

/** try_to_force_load(): allowed only on kernels built with CONFIG_MODULE_FORCE_LOAD; it taints. */
function tryToForceLoad(image: ModuleImage, kernel: KernelConfig, reason: string): CheckOutcome {
  // The kernel refuses silently (-ENOEXEC) when it cannot force; the reason still helps a user.
  return kernel.forceLoad
    ? { ok: true, forced: true, warning: `${image.name}: ${reason}: kernel tainted.` }
    : { ok: false, log: `${image.name}: ${reason}` };
}

export function checkVermagic(image: ModuleImage, kernel: KernelConfig, force: ForceFlags): CheckOutcome {
  const moduleMagic = force.ignoreVermagic === true ? undefined : image.vermagic;
  if (moduleMagic === undefined) return tryToForceLoad(image, kernel, 'bad vermagic');
  const hasCrcs = image.versions.length > 0 && force.ignoreModversions !== true;
  if (sameMagic(moduleMagic, kernel.vermagic, hasCrcs)) return passed;
  return { ok: false, log: `${image.name}: version magic '${moduleMagic}' should be '${kernel.vermagic}'` };
}

/** check_version(): whether the module's recorded CRC for `symbol` matches the exporter's. */
export function checkSymbolVersion(
  image: ModuleImage,
  kernel: KernelConfig,
  force: ForceFlags,
  symbol: string,
  exporterCrc: number | undefined,
): CheckOutcome {
  // An exporter without CRCs: the kernel is already tainted by it, so there is nothing to check.
  if (!kernel.modversions || exporterCrc === undefined) return passed;
  if (image.versions.length === 0 || force.ignoreModversions === true) return tryToForceLoad(image, kernel, symbol);
  const recorded = image.versions.find((v) => v.name === symbol);
  if (recorded === undefined) return { ok: true, forced: false, warning: `${image.name}: no symbol version for ${symbol}` };
  if (recorded.crc === exporterCrc) return passed;
  return { ok: false, log: `${image.name}: disagrees about version of symbol ${symbol}` };
}
