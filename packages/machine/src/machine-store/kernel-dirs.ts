import { join } from 'node:path';
import type { KernelSource } from './records.js';

// Where a machine's kernel files are: the embedded kernel's tree is copied into the machine
// directory at boot; a real tree stays where it is, and only its depmod files live in the machine.

export const EMBEDDED_RELEASE = '6.1.0-kmodsim';
/** The embedded kernel's modules, in lib/modules/RELEASE/kernel/demo/. */
export const EMBEDDED_MODULES: readonly string[] = ['demo_lib', 'demo_chardev', 'demo_fs', 'demo_irq'];

/** The module directory a machine's modules come from. */
export function moduleDirOf(machineDir: string, kernel: KernelSource): string {
  return kernel.kind === 'embedded' ? join(machineDir, 'lib', 'modules', kernel.release) : kernel.moduleDir;
}

/** Where the machine keeps modules.dep and the other depmod files. */
export function depmodDirOf(machineDir: string, kernel: KernelSource): string {
  return kernel.kind === 'embedded' ? moduleDirOf(machineDir, kernel) : join(machineDir, 'depmod');
}
