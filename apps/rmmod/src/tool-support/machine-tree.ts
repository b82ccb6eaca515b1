import { type BootConfig, depmodDirOf, moduleDirOf } from '@kmodsim/machine';
import type { LookupDirs } from '../modinfo/module-lookup.js';

/**
 * A machine's module tree as the tools look modules up in it: the tree itself (modules.builtin,
 * and what modules.dep's paths are relative to) and the depmod files computed for it at boot.
 */
export function machineTree(machineDir: string, config: BootConfig): LookupDirs {
  return { moduleDir: moduleDirOf(machineDir, config.kernel), depmodDir: depmodDirOf(machineDir, config.kernel) };
}
