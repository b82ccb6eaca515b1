import { VMLINUX, type KernelSymbol, type SymbolResolver } from './kernel-symbol.js';
import type { SymversEntry } from './symvers.js';
import { exportedNames, type SystemMapEntry } from './system-map.js';

// The symbols a running kernel exports: vmlinux's (from Module.symvers and/or System.map) and
// those of every loaded module, searched as find_symbol does — vmlinux first, then modules in
// load order. Owners are kept so the module core can record "module A uses module B".

export interface KernelSymbolSources {
  readonly symvers?: readonly SymversEntry[];
  readonly systemMap?: readonly SystemMapEntry[];
  /**
   * Where to place vmlinux symbols whose address no System.map gives: each gets the next
   * 16-byte slot from here, in Module.symvers order.
   */
  readonly syntheticTextBase?: bigint;
}

/** The start of the x86-64 kernel text mapping. */
export const KERNEL_TEXT_BASE = 0xffffffff81000000n;
const SYNTHETIC_SLOT_BYTES = 16n;

export class KernelSymbolTable implements SymbolResolver {
  private readonly byName = new Map<string, KernelSymbol>();
  private readonly proprietaryOwners = new Set<string>();

  static fromVmlinux(sources: KernelSymbolSources): KernelSymbolTable {
    const table = new KernelSymbolTable();
    const mapByName = new Map((sources.systemMap ?? []).map((e) => [e.name, e]));
    let nextSynthetic = sources.syntheticTextBase ?? KERNEL_TEXT_BASE;
    const place = (name: string): { address: bigint; type?: string } => {
      const known = mapByName.get(name);
      if (known !== undefined) return { address: known.address, type: known.type };
      const address = nextSynthetic;
      nextSynthetic += SYNTHETIC_SLOT_BYTES;
      return { address };
    };
    for (const entry of sources.symvers ?? []) {
      if (entry.owner !== VMLINUX) continue;
      table.add({ ...place(entry.name), name: entry.name, gplOnly: entry.gplOnly, crc: entry.crc, owner: VMLINUX, ...(entry.namespace !== undefined ? { namespace: entry.namespace } : {}) });
    }
    // System.map alone cannot tell EXPORT_SYMBOL_GPL from EXPORT_SYMBOL: its exports link freely.
    if (sources.symvers === undefined) {
      for (const name of exportedNames(sources.systemMap ?? [])) table.add({ ...place(name), name, gplOnly: false, owner: VMLINUX });
    }
    return table;
  }

  /** Adds one export; the first owner of a name keeps it, as find_symbol finds the first. */
  add(symbol: KernelSymbol): void {
    if (!this.byName.has(symbol.name)) this.byName.set(symbol.name, symbol);
  }

  /** Adds a loaded module's exports; `proprietary` marks a module whose licence taints. */
  addModule(owner: string, symbols: readonly KernelSymbol[], proprietary = false): void {
    for (const symbol of symbols) this.add({ ...symbol, owner });
    if (proprietary) this.proprietaryOwners.add(owner);
  }

  /** Forgets a module's exports when it is unloaded. */
  removeModule(owner: string): void {
    for (const [name, symbol] of this.byName) if (symbol.owner === owner) this.byName.delete(name);
    this.proprietaryOwners.delete(owner);
  }

  lookup(name: string): KernelSymbol | undefined {
    return this.byName.get(name);
  }

  isProprietary(owner: string): boolean {
    return this.proprietaryOwners.has(owner);
  }

  get size(): number {
    return this.byName.size;
  }

  all(): readonly KernelSymbol[] {
    return [...this.byName.values()];
  }
}
