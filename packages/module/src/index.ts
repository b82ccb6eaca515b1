export { ModuleCore, type Caller, type DeleteFlags, type ModuleCoreOptions, type ModuleEvent, type ModuleNotifier } from './core.js';
export { KernelModule, type ModuleMemory } from './kernel-module.js';
export { isGplCompatible, type ExportedSymbol, type ModuleLoad } from './module-load.js';
export { resolverFor, type ImageLoadOptions, type KernelImage } from './image-link.js';
export { moduleSigCheck, type ModuleSigning, type SignatureCheck, type SigningKey } from './module-signing.js';
export type { ModuleBehaviour, ModuleContext, ModuleFunction, ModuleSelf } from './behaviour.js';
export type { SyscallFailure, SyscallResult } from './syscall-result.js';
// Transitional: apps/rmmod still imports these from here; they are cpu's, and go from this door
// once it imports them from @kmodsim/cpu.
export { strerror, type Errno } from '@kmodsim/cpu';
export { closeDevice, mountFilesystem, openDevice, readDevice, unmountFilesystem } from './vfs.js';
export { KernelLog, formatDmesg, type KernelLogEntry } from './kernel-log.js';
export { formatProcModules, moduleInfo, type ModuleInfo } from './proc-modules.js';
export { TAINT_FLAGS, formatKernelTaint, formatModuleTaint, taintNameOf, type TaintLetter, type TaintName } from './taint.js';
export { parseModuleArgs, splitArgs, type ModuleParam, type ParsedArgs } from './params.js';
