import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { KernelSymbolTable, parseModuleSymvers, readModuleImage, type KernelConfig, type ModuleImage } from '@kmodsim/linker';

// The fixture modules built from fixtures/modules/src by build.sh, and the embedded kernel they
// were built for.

export const fixturesDir = fileURLToPath(new URL('../fixtures/modules/', import.meta.url));

export const EMBEDDED_KERNEL: KernelConfig = {
  vermagic: '6.1.0-kmodsim SMP preempt mod_unload modversions ',
  modversions: true,
  moduleSig: false,
  forceLoad: false,
};

export function fixtureBytes(file: string): Uint8Array {
  return readFileSync(`${fixturesDir}${file}`);
}

export function fixtureImage(name: string): ModuleImage {
  const result = readModuleImage(`${name}.ko`, fixtureBytes(`${name}.ko`));
  if (!result.ok) throw new Error(`${name}: ${result.message}`);
  return result.value;
}

/** vmlinux's exports as the embedded kernel's Module.symvers lists them. */
export function embeddedKernelSymbols(): KernelSymbolTable {
  const symvers = parseModuleSymvers('Module.symvers', readFileSync(`${fixturesDir}Module.symvers`, 'utf8'));
  if (!symvers.ok) throw new Error(symvers.message);
  return KernelSymbolTable.fromVmlinux({ symvers: symvers.value });
}
