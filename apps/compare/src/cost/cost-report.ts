// What `kmodsim-compare cost` measures, as data: the table it prints, the lines `--json` writes
// and what `kmodsim-compare report` draws are all this one shape. Figures are simulated, so they
// are exact and reproducible: cycles from the machine's cost model, turned into nanoseconds by
// the profile's clock (ns = cycles / ghz).

/** One figure at one machine size. */
export interface CostPoint {
  readonly cpus: number;
  readonly cycles: number;
  readonly ns: number;
}

/**
 * A workload's figures at every CPU count priced, in ascending CPU order. A workload that does
 * not apply has no series at all: 'wait-release' for a design that refuses rmmod --wait. One that
 * applies but costs nothing has its zeros: 'others-stopped' and 'irqs-off' on one CPU (there is
 * no other) and for a design that stops no CPU.
 */
export interface CostSeries {
  /** A stable key: 'get-put', 'get-put-quarter', 'get-put-one', 'unload', 'others-stopped', 'irqs-off', 'wait-release'. */
  readonly workload: CostWorkload;
  readonly points: readonly CostPoint[];
}

export type CostWorkload =
  /** try_module_get + module_put, every CPU using the same module: cost per pair. */
  | 'get-put'
  /** The same with a quarter of the CPUs active (at least one). */
  | 'get-put-quarter'
  /** The same with one CPU active. */
  | 'get-put-one'
  /** delete_module of an unused module, on the unloader's CPU. */
  | 'unload'
  /** How long the longest-held other CPU was stopped for that unload. */
  | 'others-stopped'
  /** The longest window any other CPU spent with interrupts off during it. */
  | 'irqs-off'
  /** rmmod --wait with users releasing one by one: from the last module_put to the module freed. */
  | 'wait-release';

/** Bytes the refcount takes per module at each CPU count, cache-line padding included. */
export interface MemoryPoint {
  readonly cpus: number;
  readonly bytesPerModule: number;
  /** The same for a tree of `modulesInTree` modules (Debian's real tree has about 4,000). */
  readonly bytesForTree: number;
}

/** Share of the machine's time lost to coherence traffic in the all-CPU get+put workload. */
export interface CoherencePoint {
  readonly cpus: number;
  /** 0..1: cycles spent waiting for cache lines over all cycles the CPUs spent. */
  readonly share: number;
}

/** One strategy's prices, or why it could not be priced (its code faulted: an ERROR cell). */
export type StrategyCost =
  | {
      readonly strategy: string;
      readonly ok: true;
      /** Measured, not declared: the unload of an unused module stopped the other CPUs. */
      readonly stopsMachine: boolean;
      /** Measured: rmmod --wait on a module in use slept and freed it after the last put (not refused). */
      readonly waitsForUsers: boolean;
      readonly series: readonly CostSeries[];
      readonly coherence: readonly CoherencePoint[];
      readonly memory: readonly MemoryPoint[];
    }
  | { readonly strategy: string; readonly ok: false; readonly error: string };

export interface CostReport {
  /** The profile the cycles were charged by, and its clock. */
  readonly profile: { readonly name: string; readonly description: string; readonly ghz: number };
  readonly cpuCounts: readonly number[];
  readonly modulesInTree: number;
  readonly strategies: readonly StrategyCost[];
}
