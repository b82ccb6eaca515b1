import { ModuleState, type ModuleCells, type ModuleRefcount, type ModuleStateValue } from '@kmodsim/refcount';
import type { ModuleBehaviour } from './behaviour.js';
import type { ModuleLoad } from './module-load.js';
import type { TaintName } from './taint.js';
import { emptyTape, type RefcountTape } from './refcount-tape.js';

/** Where a module's pieces live in simulated memory. */
export interface ModuleMemory {
  /** The module's struct: state, live flag and waiter (the cells a strategy sees). */
  readonly structBase: number;
  /** The module's core text: calls into the module execute here. */
  readonly textBase: number;
  /** The init text, dropped once init has run. */
  readonly initTextBase: number | undefined;
}

/**
 * One module known to the kernel, from the moment init_module adds it (UNFORMED) until it is
 * freed. Its state lives in simulated memory, where other CPUs read it; everything else here is
 * the kernel's bookkeeping, changed only under module_mutex.
 */
export class KernelModule {
  refcount: ModuleRefcount | undefined;
  /** Modules that use this one (its holders); while any remain it cannot be removed. */
  readonly usedBy = new Set<KernelModule>();
  /** Modules this one uses: it holds a reference on each. */
  readonly uses = new Set<KernelModule>();
  /**
   * Where each imported function's calls go, fixed when the module is linked (relocations are
   * written into its text): a call never consults the kernel's current bookkeeping, which other
   * CPUs change, so code still running after its module was freed jumps where it always did.
   */
  readonly linkedCalls = new Map<string, KernelModule>();
  readonly taints: Set<TaintName>;
  /** The module's static variables, set up by its init. */
  readonly variables = new Map<string, number>();
  initDropped = false;
  freed = false;
  /**
   * Pid of the delete_module (rmmod --wait) sleeping until the count falls to zero, 0 when none:
   * what /proc/PID/wchan would show. Bookkeeping for observers; module_put reads the waiter cell.
   */
  waitingUnloader = 0;
  /** What the strategy's createModule was fed making `refcount`, to make it again from bytes (see refcount-tape.ts). */
  refcountTape: RefcountTape = emptyTape();

  constructor(
    readonly load: ModuleLoad,
    readonly cells: ModuleCells,
    readonly memory: ModuleMemory,
    /** Where the module appears to be loaded, for /proc/modules. */
    readonly address: bigint,
    private readonly readCell: (address: number) => number,
  ) {
    this.taints = new Set(load.taints ?? []);
  }

  get name(): string {
    return this.load.name;
  }

  get behaviour(): ModuleBehaviour {
    return this.load.behaviour ?? {};
  }

  /** The state as the kernel would see it now (read without cost). */
  get state(): ModuleStateValue {
    const value = this.readCell(this.cells.state);
    switch (value) {
      case ModuleState.LIVE:
      case ModuleState.COMING:
      case ModuleState.GOING:
      case ModuleState.UNFORMED:
        return value;
      default:
        throw new Error(`module ${this.name} has a corrupt state word: ${value}`);
    }
  }

  /** Bytes in memory now: the core, plus the init parts until they are dropped. */
  get sizeBytes(): number {
    return this.load.coreBytes + (this.initDropped ? 0 : this.load.initBytes);
  }

  /** A module with init but no exit can only be removed by force ("[permanent]"). */
  get permanent(): boolean {
    return this.load.hasInit && !this.load.hasExit;
  }

  /** What changes after the module is added, copied (for a snapshot). */
  saveBookkeeping(): KernelModuleSave {
    return {
      refcount: this.refcount,
      usedBy: [...this.usedBy],
      uses: [...this.uses],
      linkedCalls: [...this.linkedCalls],
      taints: [...this.taints],
      variables: [...this.variables],
      initDropped: this.initDropped,
      freed: this.freed,
      waitingUnloader: this.waitingUnloader,
    };
  }

  restoreBookkeeping(saved: KernelModuleSave): void {
    this.refcount = saved.refcount;
    refill(this.usedBy, saved.usedBy);
    refill(this.uses, saved.uses);
    this.linkedCalls.clear();
    for (const [symbol, owner] of saved.linkedCalls) this.linkedCalls.set(symbol, owner);
    refill(this.taints, saved.taints);
    this.variables.clear();
    for (const [name, value] of saved.variables) this.variables.set(name, value);
    this.initDropped = saved.initDropped;
    this.freed = saved.freed;
    this.waitingUnloader = saved.waitingUnloader;
  }
}

/** A module's bookkeeping at one moment (see KernelModule.saveBookkeeping). */
export interface KernelModuleSave {
  readonly refcount: ModuleRefcount | undefined;
  readonly usedBy: readonly KernelModule[];
  readonly uses: readonly KernelModule[];
  readonly linkedCalls: readonly (readonly [string, KernelModule])[];
  readonly taints: readonly TaintName[];
  readonly variables: readonly (readonly [string, number])[];
  readonly initDropped: boolean;
  readonly freed: boolean;
  readonly waitingUnloader: number;
}

function refill<T>(set: Set<T>, values: readonly T[]): void {
  set.clear();
  for (const value of values) set.add(value);
}
