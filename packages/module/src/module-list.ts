import { fail, type Result } from '@kmodsim/cpu';
import { bumpAllocator, VMLINUX, type BumpAllocator } from '@kmodsim/linker';
import { ModuleState } from '@kmodsim/refcount';
import type { KernelImage } from './image-link.js';
import type { KernelModule } from './kernel-module.js';
import { isGplCompatible, type ExportedSymbol, type ModuleLoad } from './module-load.js';

// The kernel's list of modules with its symbol table: which modules user space can see, which
// name is taken, where an imported symbol comes from (vmlinux or a module), and where the next
// module is placed in the module mapping. Changed only under module_mutex.

export class ModuleList {
  /** Every module from the moment it is added (UNFORMED), the freed ones too, oldest first. */
  readonly modules: KernelModule[] = [];
  private readonly kernelSymbols = new Map<string, ExportedSymbol>();
  /** The module mapping: the linker places images here, and modules without one get their address here too. */
  private memory: BumpAllocator = bumpAllocator();

  constructor(kernelSymbols: Iterable<ExportedSymbol>, kernel: KernelImage | undefined) {
    for (const symbol of kernelSymbols) this.kernelSymbols.set(symbol.name, symbol);
    for (const symbol of kernel?.symbols.all() ?? []) {
      if (symbol.owner === VMLINUX) this.kernelSymbols.set(symbol.name, { name: symbol.name, gplOnly: symbol.gplOnly });
    }
  }

  /** The module of that name that user space can see (not UNFORMED, not freed). */
  find(name: string): KernelModule | undefined {
    return this.modules.find((module) => module.name === name && isVisible(module));
  }

  /** Visible modules, oldest first. */
  visible(): KernelModule[] {
    return this.modules.filter(isVisible);
  }

  /** Why a module of this name cannot be loaded now: a live copy (EEXIST), or one still coming or going (EBUSY). */
  duplicateOf(name: string): Result<undefined> | undefined {
    const existing = this.modules.find((module) => module.name === name && !module.freed);
    if (existing === undefined) return undefined;
    // The kernel waits for one still coming or going, then says EBUSY.
    return existing.state === ModuleState.LIVE
      ? fail('EEXIST', `module ${name} is already loaded`)
      : fail('EBUSY', `module ${name} is still being loaded or unloaded`);
  }

  /** Finds an exported symbol and its owner (undefined for the kernel itself), as a module of `license` may use it. */
  resolve(symbol: string, license: string): { owner: KernelModule | undefined } | undefined {
    const gplOk = isGplCompatible(license);
    const kernel = this.kernelSymbols.get(symbol);
    if (kernel !== undefined) return kernel.gplOnly && !gplOk ? undefined : { owner: undefined };
    for (const module of this.modules) {
      if (!isVisible(module)) continue;
      const found = module.load.exports.find((exported) => exported.name === symbol);
      if (found !== undefined) return found.gplOnly && !gplOk ? undefined : { owner: module };
    }
    return undefined;
  }

  /** The module mapping's allocator, for the linker. */
  get moduleMemory(): BumpAllocator {
    return this.memory;
  }

  /** Where a module without an image of its own appears to be loaded. */
  takeAddress(load: ModuleLoad): bigint {
    return load.address ?? this.memory.allocate('text', load.coreBytes + load.initBytes);
  }

  /** Places the next module at `next` (a rewind to a snapshot). */
  restartModuleMemory(next: bigint): void {
    this.memory = bumpAllocator(next);
  }
}

function isVisible(module: KernelModule): boolean {
  return !module.freed && module.state !== ModuleState.UNFORMED;
}
