import type { HostState } from '@kmodsim/cpu';
import type { ModuleNotifier } from './core-types.js';
import type { DeviceTable } from './device-table.js';
import type { IrqLines } from './irq-lines.js';
import type { KernelLog, KernelLogEntry } from './kernel-log.js';
import { decodeCore, encodeCore, type CoreCodecContext } from './core-codec.js';
import { KernelModule, type KernelModuleSave } from './kernel-module.js';
import type { AddressTreeSave, ModuleAddressTree } from './module-address.js';
import type { ModuleList } from './module-list.js';
import type { UnsignedModuleTaint } from './module-signing.js';
import type { TaintName } from './taint.js';

// The module core's bookkeeping is kernel state kept in host objects: the list of modules and
// what each one uses, the kernel's taints and log, the device and interrupt tables, where the next
// module goes. Handed to the machine as one part of its host state, a snapshot saves it and a
// rewind puts it back, so the core agrees with the machine's memory after a rewind (a model
// checker's checkpoint). Saved values hold the same KernelModule objects, which a rewind takes
// back to their own saved state: the machine's tasks, run again, still hold them.

/** What the core's bookkeeping is made of (the core's own objects, changed in place by a rewind). */
export interface CoreParts {
  readonly moduleList: ModuleList;
  readonly taints: Set<TaintName>;
  readonly log: KernelLog;
  readonly notifiers: ModuleNotifier[];
  readonly chardevs: DeviceTable;
  readonly filesystems: DeviceTable;
  readonly irqLines: IrqLines;
  readonly addressTree: ModuleAddressTree | undefined;
  readonly unsignedTaint: UnsignedModuleTaint;
}

export interface CoreSave {
  readonly modules: readonly (readonly [KernelModule, KernelModuleSave])[];
  readonly taints: readonly TaintName[];
  readonly logLines: number;
  readonly notifiers: readonly ModuleNotifier[];
  readonly chardevs: ReturnType<DeviceTable['save']>;
  readonly filesystems: ReturnType<DeviceTable['save']>;
  readonly irqLines: ReturnType<IrqLines['save']>;
  readonly addressTree: AddressTreeSave | undefined;
  readonly signatureNoticed: boolean;
  readonly nextModuleAddress: bigint;
}

/** The core's bookkeeping as a part of the machine's host state. */
export function coreHostState(parts: CoreParts, codec: CoreCodecContext): HostState<CoreSave> {
  return {
    name: 'module core',
    save: () => ({
      modules: parts.moduleList.modules.map((module) => [module, module.saveBookkeeping()] as const),
      taints: [...parts.taints],
      logLines: parts.log.lines.length,
      notifiers: [...parts.notifiers],
      chardevs: parts.chardevs.save(),
      filesystems: parts.filesystems.save(),
      irqLines: parts.irqLines.save(),
      addressTree: parts.addressTree?.save(),
      signatureNoticed: parts.unsignedTaint.noticed,
      nextModuleAddress: parts.moduleList.moduleMemory.next,
    }),
    load: (saved) => {
      const modules = parts.moduleList.modules;
      modules.length = 0;
      for (const [module, state] of saved.modules) {
        module.restoreBookkeeping(state);
        modules.push(module);
      }
      if ('logEntries' in saved) parts.log.replaceWith(saved.logEntries as readonly KernelLogEntry[]);
      parts.taints.clear();
      for (const taint of saved.taints) parts.taints.add(taint);
      parts.log.cutTo(saved.logLines);
      parts.notifiers.length = 0;
      parts.notifiers.push(...saved.notifiers);
      parts.chardevs.load(saved.chardevs);
      parts.filesystems.load(saved.filesystems);
      parts.irqLines.load(saved.irqLines);
      if (saved.addressTree !== undefined) parts.addressTree?.load(saved.addressTree);
      parts.unsignedTaint.noticed = saved.signatureNoticed;
      parts.moduleList.restartModuleMemory(saved.nextModuleAddress);
    },
    encode: (saved) => encodeCore(saved, parts),
    decode: (data) => decodeCore(data, codec),
    // A module loaded during a search is a new object in each run: it is named by what it is,
    // its name and address, so that runs that load it alike meet in one state. Its
    // refcount's counts are in simulated memory; the object is named by its kind.
    fingerprint: (saved) => [
      saved.modules.map(([module, { refcount, ...bookkeeping }]) => [moduleName(module), refcount?.constructor.name ?? '', byName(bookkeeping)]),
      saved.taints, saved.logLines, saved.notifiers, byName(saved.chardevs), byName(saved.filesystems), byName(saved.irqLines),
      saved.addressTree === undefined ? undefined : [byName(saved.addressTree.reachable), saved.addressTree.generation],
      saved.signatureNoticed, saved.nextModuleAddress,
    ],
  };
}

function moduleName(module: KernelModule): string {
  return `${module.name}@${module.address.toString(16)}`;
}

/** A saved value with every module in it replaced by its name (see the fingerprint above). */
function byName(value: unknown): unknown {
  if (value instanceof KernelModule) return moduleName(value);
  if (Array.isArray(value)) return value.map(byName);
  if (value instanceof Map) return [...value].map(byName);
  if (value instanceof Set) return [...value].map(byName);
  if (typeof value !== 'object' || value === null || Object.getPrototypeOf(value) !== Object.prototype) return value;
  const named: Record<string, unknown> = {};
  for (const key in value) named[key] = byName((value as Record<string, unknown>)[key]);
  return named;
}
