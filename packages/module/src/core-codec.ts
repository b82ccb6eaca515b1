import type { ExecutionContext, KernelCode } from '@kmodsim/cpu';
import type { ModuleCells, ModuleRefcount } from '@kmodsim/refcount';
import type { ModuleBehaviour } from './behaviour.js';
import type { CoreParts, CoreSave } from './core-state.js';
import type { KernelLogEntry } from './kernel-log.js';
import { KernelModule, type KernelModuleSave, type ModuleMemory } from './kernel-module.js';
import type { ExportedSymbol, ModuleLoad } from './module-load.js';
import { replayTape, tapeOf } from './refcount-tape.js';
import type { TaintName } from './taint.js';

// The module core's bookkeeping as plain data, for a machine saved to bytes and loaded into a
// kernel booted the same way, in another process. Modules are written by name with what
// init_module knew of them (their ModuleLoad, addresses, bigints as strings); what is code comes
// back by name: a module's behaviour from the registry the core was given, its refcount object
// by running the strategy's createModule again on the tape it left (refcount-tape.ts).
// Notifiers are code registered by callers, so a core holding any is not written.

/** What the core needs to make its objects again from plain data. */
export interface CoreCodecContext {
  readonly readCell: (address: number) => number;
  /** Module behaviours by module name (the demo kernel's); a module that had one and has none here cannot be read back. */
  readonly behaviours: Readonly<Record<string, ModuleBehaviour>>;
  readonly createRefcount: (self: ExecutionContext, cells: ModuleCells) => KernelCode;
}

interface ModuleData {
  readonly load: unknown;
  readonly cells: ModuleCells;
  readonly memory: ModuleMemory;
  readonly address: string;
  readonly behaviour: boolean;
  readonly tape: unknown;
  readonly usedBy: readonly number[];
  readonly uses: readonly number[];
  readonly linkedCalls: readonly (readonly [string, number])[];
  readonly taints: readonly TaintName[];
  readonly variables: readonly (readonly [string, number])[];
  readonly initDropped: boolean;
  readonly freed: boolean;
  readonly waitingUnloader: number;
}

interface CoreData {
  readonly modules: readonly ModuleData[];
  readonly taints: readonly TaintName[];
  readonly log: readonly KernelLogEntry[];
  readonly chardevs: readonly (readonly [string, number])[];
  readonly filesystems: readonly (readonly [string, number])[];
  readonly irqLines: readonly (readonly [number, number, string])[];
  readonly addressTree: { readonly reachable: readonly number[]; readonly generation: number } | null;
  readonly signatureNoticed: boolean;
  readonly nextModuleAddress: string;
}

export function encodeCore(saved: CoreSave, parts: CoreParts): CoreData {
  if (saved.notifiers.length > 0) throw new Error(`${saved.notifiers.length} module notifiers are registered (a notifier is code, which cannot be saved)`);
  // Modules are referred to by their place on the list: a freed module may share its name with a newer one.
  const name = (module: KernelModule): number => {
    const index = saved.modules.findIndex(([listed]) => listed === module);
    if (index < 0) throw new Error(`${module.name} is referred to but no longer on the module list`);
    return index;
  };
  return {
    modules: saved.modules.map(([module, state]) => encodeModule(module, state, name)),
    taints: saved.taints,
    log: parts.log.lines.slice(0, saved.logLines),
    chardevs: [...saved.chardevs].map(([device, module]) => [device, name(module)]),
    filesystems: [...saved.filesystems].map(([filesystem, module]) => [filesystem, name(module)]),
    irqLines: [...saved.irqLines].map(([line, registration]) => [line, name(registration.module), registration.handler]),
    addressTree: saved.addressTree === undefined ? null : { reachable: saved.addressTree.reachable.map(name), generation: saved.addressTree.generation },
    signatureNoticed: saved.signatureNoticed,
    nextModuleAddress: saved.nextModuleAddress.toString(),
  };
}

function encodeModule(module: KernelModule, state: KernelModuleSave, name: (module: KernelModule) => number): ModuleData {
  const { behaviour, address, exports, ...load } = module.load;
  return {
    load: { ...load, exports: exports.map(encodeExport), ...(address === undefined ? {} : { address: address.toString() }) },
    cells: module.cells,
    memory: module.memory,
    address: module.address.toString(),
    behaviour: behaviour !== undefined,
    tape: { fed: module.refcountTape.fed, contexts: module.refcountTape.contexts },
    usedBy: state.usedBy.map(name),
    uses: state.uses.map(name),
    linkedCalls: state.linkedCalls.map(([symbol, owner]) => [symbol, name(owner)]),
    taints: state.taints,
    variables: state.variables,
    initDropped: state.initDropped,
    freed: state.freed,
    waitingUnloader: state.waitingUnloader,
  };
}

function encodeExport(symbol: ExportedSymbol): unknown {
  const { address, ...rest } = symbol;
  return address === undefined ? rest : { ...rest, address: address.toString() };
}

/** What encodeCore wrote, as the core's own objects; throws on data it did not write. */
export function decodeCore(data: unknown, context: CoreCodecContext): CoreSave & { readonly logEntries: readonly KernelLogEntry[] } {
  const core = data as CoreData;
  const listed: unknown = core.modules;
  if (!Array.isArray(listed) || !Array.isArray(core.log) || typeof core.nextModuleAddress !== 'string') throw new Error('not laid out as the module core');
  const modules = core.modules.map((written) => decodeModule(written, context));
  const find = (index: number): KernelModule => {
    const module = modules[index];
    if (module === undefined) throw new Error(`module ${String(index)} on the list is referred to but not written`);
    return module;
  };
  return {
    modules: modules.map((module, index) => [module, bookkeepingOf(module, core.modules[index] as ModuleData, find)] as const),
    taints: core.taints,
    logLines: core.log.length,
    logEntries: core.log,
    notifiers: [],
    chardevs: new Map(core.chardevs.map(([device, module]) => [device, find(module)])),
    filesystems: new Map(core.filesystems.map(([filesystem, module]) => [filesystem, find(module)])),
    irqLines: new Map(core.irqLines.map(([line, module, handler]) => [line, { module: find(module), handler }])),
    addressTree: core.addressTree === null ? undefined : { reachable: core.addressTree.reachable.map(find), generation: core.addressTree.generation },
    signatureNoticed: core.signatureNoticed,
    nextModuleAddress: BigInt(core.nextModuleAddress),
  };
}

function bookkeepingOf(module: KernelModule, written: ModuleData, find: (index: number) => KernelModule): KernelModuleSave {
  return {
    refcount: module.refcount,
    usedBy: written.usedBy.map(find),
    uses: written.uses.map(find),
    linkedCalls: written.linkedCalls.map(([symbol, owner]): readonly [string, KernelModule] => [symbol, find(owner)]),
    taints: written.taints,
    variables: written.variables,
    initDropped: written.initDropped,
    freed: written.freed,
    waitingUnloader: written.waitingUnloader,
  };
}

/** A ModuleLoad as encodeModule wrote it: addresses as decimal strings, no behaviour. */
type PlainLoad = Omit<ModuleLoad, 'address' | 'exports' | 'behaviour'> & {
  readonly address?: string;
  readonly exports: readonly (Omit<ExportedSymbol, 'address'> & { readonly address?: string })[];
};

function decodeModule(written: ModuleData, context: CoreCodecContext): KernelModule {
  const plain = written.load as PlainLoad;
  const behaviour = written.behaviour ? context.behaviours[plain.name] : undefined;
  if (written.behaviour && behaviour === undefined) throw new Error(`module ${plain.name}'s behaviour is not in this kernel's registry`);
  const { address, exports: _exports, ...rest } = plain;
  const load: ModuleLoad = {
    ...rest,
    exports: plain.exports.map(({ address, ...symbol }): ExportedSymbol => (address === undefined ? symbol : { ...symbol, address: BigInt(address) })),
    ...(address === undefined ? {} : { address: BigInt(address) }),
    ...(behaviour === undefined ? {} : { behaviour }),
  };
  const module = new KernelModule(load, written.cells, written.memory, BigInt(written.address), context.readCell);
  module.refcountTape = tapeOf(written.tape);
  const refcount = replayTape((self) => context.createRefcount(self, written.cells), module.refcountTape, { pid: 0, comm: 'insmod' });
  module.refcount = refcount as ModuleRefcount;
  return module;
}
