export { ModuleCore, type Caller, type DeleteFlags, type ModuleCoreOptions, type ModuleEvent, type ModuleNotifier } from './core.js';
export { KernelModule, type ModuleMemory } from './kernel-module.js';
export { isGplCompatible, type ExportedSymbol, type ModuleLoad } from './module-load.js';
export type { ModuleBehaviour, ModuleContext, ModuleFunction, ModuleSelf } from './behaviour.js';
export { ERRNO, errnoFromNumber, errnoNumber, failure, strerror, success, type Errno, type SyscallResult } from './errno.js';
export { KernelLog, formatDmesg, type KernelLogEntry } from './kernel-log.js';
export { formatProcModules, moduleInfo, type ModuleInfo } from './proc-modules.js';
export { TAINT_FLAGS, formatKernelTaint, formatModuleTaint, taintNameOf, type TaintLetter, type TaintName } from './taint.js';
